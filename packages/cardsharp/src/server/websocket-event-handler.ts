import { randomBytes, timingSafeEqual } from "node:crypto";
import { Emitter } from "@proj/ws-core";
import { decimal } from "../engine/decimal.js";
import type { EngineEventType, PublicState } from "../engine/events.js";
import {
  ACTION_RECEIVED_FRAME,
  ALL_EVENTS,
  CardsharpCloseCode,
  type ConnectedData,
  type ErrorCode,
  nowSeconds,
  randomId,
  UPSTREAM_ERROR_MESSAGES,
} from "../protocol/messages.js";
import { parseClientMessage } from "../protocol/parse.js";
import type { EventBus } from "./event-bus.js";
import { realTimers, type Timers } from "./timers.js";

/** The `disconnect` event's reason when the client said `disconnect` (it is gone for good, not dropped). */
export const CLIENT_DISCONNECTED = "client disconnected";

/** How the handler reaches one socket: it never touches sockets itself (upstream's `send_callback`). */
export interface ClientTransport {
  /** Sends (or queues) one frame; `"dropped"` says older queued frames were dropped to make room. */
  send(text: string): unknown;
  close(code: number, reason: string): void;
  /** Resolves once the peer has caught up (nothing queued); needed for `resync`. */
  whenDrained?(): Promise<void>;
  /** Frames dropped for this peer so far. */
  droppedCount?(): number;
  /** Frames queued behind the socket now (ws-core's `backlog`); lets `resync` name the seqs lost. */
  backlog?(): number;
}

/** Envelope heads (`{"type":...,"data":` and the event's `{"type":"event","data":{"event_type":...,"data":`) by type. */
const heads = new Map<string, string>();
const eventHeads = new Map<string, string>();

function headOf(cache: Map<string, string>, type: string, build: (quoted: string) => string): string {
  let head = cache.get(type);
  if (head === undefined) {
    head = build(JSON.stringify(type));
    if (cache.size < 256) cache.set(type, head); // types are a handful; a stray caller cannot grow it unbounded
  }
  return head;
}

/**
 * `JSON.stringify({type, data, timestamp})` without its closing brace, built as text around one
 * `JSON.stringify(data)` (same bytes, no envelope objects per frame). The timestamp goes through
 * `JSON.stringify` too: `String(n)` would file every timestamp in V8's number-to-string cache.
 */
function openEnvelope(type: string, data: unknown): string {
  const json = JSON.stringify(data);
  if (json === undefined) return JSON.stringify({ type, data, timestamp: nowSeconds() }).slice(0, -1);
  return `${headOf(heads, type, (q) => `{"type":${q},"data":`)}${json},"timestamp":${JSON.stringify(nowSeconds())}`;
}

/** `JSON.stringify({type: "event", data: {event_type, data}, timestamp})` without its closing brace. */
function openEventEnvelope(type: string, data: unknown): string {
  const json = JSON.stringify(data);
  if (json === undefined) {
    return JSON.stringify({ type: "event", data: { event_type: type, data }, timestamp: nowSeconds() }).slice(0, -1);
  }
  const head = headOf(eventHeads, type, (q) => `{"type":"event","data":{"event_type":${q},"data":`);
  return `${head}${json}},"timestamp":${JSON.stringify(nowSeconds())}`;
}

/** One socket's protocol state: unconnected until its `connect`, then bound to a client id. */
export class ClientSession {
  readonly transport: ClientTransport;
  clientId: string | undefined;
  readonly subscriptions = new Set<string>();
  /** Last inbound message (ms); only inbound traffic counts (upstream refreshed it on sends too). */
  lastInbound: number;
  closed = false;
  /** Dropped frames already reported in a `resync`, and whether one is waiting for the peer to catch up. */
  dropsReported = 0;
  resyncPending = false;
  /** Seq of the last pushed frame (every pushed frame carries `seq`, 1, 2, 3, ... per socket). */
  seq = 0;
  /** Seqs of the frames queued behind the socket, oldest first (0 for an unnumbered reply). */
  queued: number[] = [];
  /** First and last seq dropped since the last `resync`. */
  lostFrom: number | null = null;
  lostTo: number | null = null;
  /** Frames pushed this tick, not yet handed to the transport, with their seqs (0: unnumbered reply). */
  readonly outbox: string[] = [];
  readonly outboxSeqs: number[] = [];

  constructor(transport: ClientTransport, now: number) {
    this.transport = transport;
    this.lastInbound = now;
  }

  wants(eventType: string): boolean {
    return this.subscriptions.has(ALL_EVENTS) || this.subscriptions.has(eventType);
  }
}

/** What the action router says about one `action` message. */
export type ActionOutcome = { error: { code: ErrorCode; message: string } } | { run?: () => void };

/** Validates an action before it is acknowledged; `run` executes it after the ack and the echo. */
export interface ActionRouter {
  route(clientId: string, action: string, data: Record<string, unknown>): ActionOutcome;
}

export interface WebSocketEventHandlerOptions {
  bus: EventBus;
  /** Server heartbeat period; also how often inactivity is checked. Default 5000 ms. */
  heartbeatIntervalMs?: number;
  /** Disconnect a socket with no inbound message for this long. Default 30000 ms. */
  inactivityTimeoutMs?: number;
  /** Largest `event_types` list accepted, and most subscriptions one socket may hold. Default 64. */
  maxEventTypes?: number;
  timers?: Timers;
}

/** A fresh resume token: 128 random bits, base64url (22 characters). */
export function newResumeToken(): string {
  return randomBytes(16).toString("base64url");
}

/** Constant-time comparison of a presented token with the expected one (a missing one never matches). */
export function resumeTokenMatches(expected: string | undefined, presented: string | null | undefined): boolean {
  if (expected === undefined || typeof presented !== "string") return false;
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(presented, "utf8");
  // Lengths differ only for a malformed token; the comparison itself never short-circuits.
  return a.length === b.length && timingSafeEqual(a, b);
}

type HandlerEvents = {
  /** A client id is bound to a socket (`resumed`: the id was known and its socket replaced or gone). */
  connect: { clientId: string; session: ClientSession };
  /** A client id lost its socket (disconnect message, close, timeout, replacement). */
  disconnect: { clientId: string; reason: string };
  /** A client's `subscribe` was applied (and answered); `session` can tell what it wants now. */
  subscribe: { clientId: string; session: ClientSession };
};

/**
 * Upstream's `WebSocketEventHandler`, one per server: manages client sessions, answers the six client
 * message types, fans bus events out to subscribed clients (serialised once), runs one heartbeat loop
 * that also enforces the inactivity timeout, and routes actions through an `ActionRouter`.
 */
export class WebSocketEventHandler {
  readonly bus: EventBus;
  readonly sessions = new Set<ClientSession>();
  /** Connected clients by id. */
  readonly clients = new Map<string, ClientSession>();
  readonly #events = new Emitter<HandlerEvents>();
  readonly #timers: Timers;
  readonly #heartbeatMs: number;
  readonly #inactivityMs: number;
  readonly #maxEventTypes: number;
  #router: ActionRouter | undefined;
  #heartbeat: unknown;
  readonly #offBus: () => void;
  /** Sessions with frames in their outbox; sent together once the tick's microtasks have run. */
  #toFlush: ClientSession[] = [];
  /** Resume tokens of the client ids that are known: bound to a socket, or kept by `retains` (a held seat). */
  readonly #tokens = new Map<string, string>();
  /** Snapshot provider for `connected` (set by the WebAdapter). */
  connectExtras: ((clientId: string) => Partial<ConnectedData>) | undefined;
  /** The state snapshot a `resync` carries (the WebAdapter sets it to the table's). */
  snapshot: (() => PublicState) | undefined;
  /**
   * Whether a client id without a socket still owns something (the WebAdapter: a seat), so its resume token
   * is kept and a `connect` with that id needs it. Ids that own nothing are forgotten when their socket goes.
   */
  retains: ((clientId: string) => boolean) | undefined;

  constructor(options: WebSocketEventHandlerOptions) {
    this.bus = options.bus;
    this.#timers = options.timers ?? realTimers;
    this.#heartbeatMs = options.heartbeatIntervalMs ?? 5000;
    this.#inactivityMs = options.inactivityTimeoutMs ?? 30_000;
    this.#maxEventTypes = options.maxEventTypes ?? 64;
    this.#offBus = this.bus.onAny((type, data) => this.#fanOut(type, data as Record<string, unknown>));
  }

  on<K extends keyof HandlerEvents>(event: K, fn: (p: HandlerEvents[K]) => void): () => void {
    return this.#events.on(event, fn);
  }

  setActionRouter(router: ActionRouter | undefined): void {
    this.#router = router;
  }

  /** Starts the single heartbeat/inactivity loop (idempotent: upstream started one per call). */
  start(): void {
    if (this.#heartbeat !== undefined) return;
    this.#heartbeat = this.#timers.setInterval(() => this.#tick(), this.#heartbeatMs);
  }

  stop(): void {
    if (this.#heartbeat !== undefined) this.#timers.clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  /** Stops the loop, detaches from the bus, and closes every session with `code`. */
  close(code: number = CardsharpCloseCode.GoingAway, reason = "server shutting down"): void {
    this.stop();
    this.#offBus();
    for (const s of [...this.sessions]) this.#drop(s, reason, code);
  }

  /** A new socket (the transport caps how many: `CardsharpServer` refuses upgrades past `maxClients` with 503). */
  open(transport: ClientTransport): ClientSession {
    const session = new ClientSession(transport, this.#timers.now());
    this.sessions.add(session);
    return session;
  }

  /** The socket closed (any reason). */
  transportClosed(session: ClientSession): void {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session);
    this.#unbind(session, "connection closed");
  }

  /** One inbound frame (text, or binary which is refused with an error). */
  receive(session: ClientSession, frame: string | { binary: true }): void {
    if (session.closed) return;
    session.lastInbound = this.#timers.now();
    if (typeof frame !== "string") {
      this.#error(session, "BINARY_NOT_SUPPORTED", "Binary frames are not supported");
      return;
    }
    const parsed = parseClientMessage(frame, { maxEventTypes: this.#maxEventTypes });
    if (!parsed.ok) {
      // Before `connect`, upstream answers every typed frame other than `connect` with "Not connected"
      // (unknown types included); frames it could not read at all get our INVALID_* reply.
      if (session.clientId === undefined && parsed.type !== undefined && parsed.type !== "connect") {
        this.#error(session, "NOT_CONNECTED", UPSTREAM_ERROR_MESSAGES.NOT_CONNECTED);
      } else {
        this.#error(session, parsed.code, parsed.message);
      }
      return;
    }
    const msg = parsed.message;
    if (msg.type === "connect") {
      this.#connect(session, msg.data.client_id ?? undefined, msg.data.resume_token);
      return;
    }
    const clientId = session.clientId;
    if (clientId === undefined) {
      this.#error(session, "NOT_CONNECTED", UPSTREAM_ERROR_MESSAGES.NOT_CONNECTED);
      return;
    }
    switch (msg.type) {
      case "subscribe": {
        // Unknown names are accepted (as upstream), so the set is capped: it must not grow without bound.
        const added = msg.data.event_types.filter((t) => !session.subscriptions.has(t));
        if (session.subscriptions.size + new Set(added).size > this.#maxEventTypes) {
          this.#error(session, "TOO_MANY_SUBSCRIPTIONS", `at most ${this.#maxEventTypes} subscriptions per client`);
          break;
        }
        for (const t of added) session.subscriptions.add(t);
        this.#reply(session, "connected", { subscriptions: [...session.subscriptions] });
        this.#events.emit("subscribe", { clientId, session });
        break;
      }
      case "unsubscribe":
        for (const t of msg.data.event_types) session.subscriptions.delete(t);
        this.#reply(session, "connected", { subscriptions: [...session.subscriptions] });
        break;
      case "heartbeat":
        this.#reply(session, "heartbeat", { timestamp: nowSeconds() });
        break;
      case "disconnect":
        if (msg.data.client_id !== undefined && msg.data.client_id !== clientId) {
          this.#error(session, "UNKNOWN_CLIENT", UPSTREAM_ERROR_MESSAGES.UNKNOWN_CLIENT);
        } else {
          this.#drop(session, CLIENT_DISCONNECTED, CardsharpCloseCode.Normal);
        }
        break;
      case "action":
        this.#action(session, clientId, msg.data.action, msg.data.data ?? {});
        break;
    }
  }

  /** Pushes one message (with a top-level timestamp) to a connected client. */
  sendTo(clientId: string, type: string, data: unknown): boolean {
    const s = this.clients.get(clientId);
    if (!s) return false;
    this.#send(s, type, data);
    return true;
  }

  /** Pushes one message to every connected client (serialised once). */
  broadcast(type: string, data: unknown): void {
    const text = JSON.stringify({ type, data, timestamp: nowSeconds() });
    for (const s of this.clients.values()) this.#push(s, text, true);
  }

  /** Disconnects a client id (sends `disconnected`, closes its socket). */
  disconnectClient(
    clientId: string,
    reason = "disconnected by server",
    code: number = CardsharpCloseCode.Normal,
  ): void {
    const s = this.clients.get(clientId);
    if (s) this.#drop(s, reason, code);
  }

  /** The resume token of a known client id (a cluster stores it with the seat, for a takeover). */
  resumeTokenOf(clientId: string): string | undefined {
    return this.#tokens.get(clientId);
  }

  /** Makes `token` the resume token of `clientId` (a seat restored by a cluster takeover keeps its token). */
  adoptResumeToken(clientId: string, token: string): void {
    this.#tokens.set(clientId, token);
  }

  // ---- internals ----

  /** Whether `clientId` is someone's: bound to a socket, or owning something (a held seat). */
  isKnown(clientId: string): boolean {
    if (!this.#tokens.has(clientId)) return false;
    if (this.clients.has(clientId) || this.retains?.(clientId)) return true;
    this.#tokens.delete(clientId); // owns nothing any more: the id is free again
    return false;
  }

  #connect(session: ClientSession, requested: string | undefined, token: string | null | undefined): void {
    const clientId = requested ?? randomId();
    // Client ids are public (PLAYER_JOINED, player ids), so a known id needs its resume token; the socket that
    // holds the id already proved it. A refusal leaves the owner alone and this socket as it was.
    const own = session.clientId === clientId;
    const known = this.isKnown(clientId) ? this.#tokens.get(clientId) : undefined;
    if (known !== undefined && !own && !resumeTokenMatches(known, token)) {
      this.#send(session, "error", {
        message: "client_id is in use: send its resume_token, or connect with another (or no) client_id",
        code: "CLIENT_ID_TAKEN",
      });
      return;
    }
    // A second `connect` on one socket rebinds it (upstream bound a second id and leaked the first).
    if (session.clientId !== undefined && !own) this.#unbind(session, "client id changed");
    const previous = this.clients.get(clientId);
    if (previous && previous !== session) {
      // The same id, with its token, on a new socket (a reconnect): the old socket goes, the seat stays.
      this.#drop(previous, "replaced by a new connection", CardsharpCloseCode.Replaced);
    }
    // Dropping the old socket may have forgotten an id that owns no seat: it keeps its token all the same.
    const resumeToken = known ?? newResumeToken();
    this.#tokens.set(clientId, resumeToken);
    session.clientId = clientId;
    this.clients.set(clientId, session);
    this.#events.emit("connect", { clientId, session });
    const extras = this.connectExtras?.(clientId) ?? {};
    // The token goes in this private push only: events never carry it.
    this.#send(session, "connected", { client_id: clientId, resume_token: resumeToken, ...extras });
  }

  #action(session: ClientSession, clientId: string, action: string, data: Record<string, unknown>): void {
    const outcome: ActionOutcome = this.#router ? this.#router.route(clientId, action, data) : {};
    if ("error" in outcome) {
      this.#error(session, outcome.error.code, outcome.error.message);
      return;
    }
    // Ack first, then the bus echo, then whatever the action causes (upstream's wire order).
    this.#push(session, ACTION_RECEIVED_FRAME, false);
    this.bus.emit("USER_INTERACTION_RECEIVED", { action, data: { ...data, client_id: clientId } });
    try {
      outcome.run?.();
    } catch (err) {
      // Validated before the ack, so this is a race (e.g. the round moved on): report it, never crash.
      const e = err as { code?: ErrorCode; message?: string };
      this.#send(session, "error", { message: e.message ?? "action failed", code: e.code ?? "INVALID_ACTION" });
    }
  }

  #fanOut(type: EngineEventType, data: Record<string, unknown>): void {
    let open: string | undefined;
    for (const s of this.clients.values()) {
      if (!s.wants(type)) continue;
      open ??= openEventEnvelope(type, data);
      this.#pushOpen(s, open, true);
    }
  }

  #tick(): void {
    // Forget the tokens of ids that own nothing any more (a held seat released since its socket went).
    for (const id of [...this.#tokens.keys()]) this.isKnown(id);
    const now = this.#timers.now();
    for (const s of [...this.sessions]) {
      if (now - s.lastInbound > this.#inactivityMs) {
        this.#drop(s, "inactivity timeout", CardsharpCloseCode.InactivityTimeout);
      } else if (s.clientId !== undefined) {
        this.#send(s, "heartbeat", { timestamp: nowSeconds() });
      }
    }
  }

  /** Sends `disconnected` (if bound), unbinds and closes. */
  #drop(session: ClientSession, reason: string, code: number): void {
    if (session.closed) return;
    if (session.clientId !== undefined) this.#send(session, "disconnected", { client_id: session.clientId, reason });
    this.#flush(session);
    session.closed = true;
    this.sessions.delete(session);
    this.#unbind(session, reason);
    session.transport.close(code, reason);
  }

  #unbind(session: ClientSession, reason: string): void {
    const id = session.clientId;
    if (id === undefined) return;
    session.clientId = undefined;
    session.subscriptions.clear();
    if (this.clients.get(id) === session) {
      this.clients.delete(id);
      this.#events.emit("disconnect", { clientId: id, reason });
      this.isKnown(id); // forgets the token unless the id still owns a seat
    }
  }

  /** Pushed message: carries a top-level timestamp. */
  #send(session: ClientSession, type: string, data: unknown): void {
    this.#pushOpen(session, openEnvelope(type, data), true);
  }

  /** Sends one serialised frame (at the end of the tick); a pushed frame (`numbered`) gets the socket's next `seq`. */
  #push(session: ClientSession, text: string, numbered: boolean): void {
    if (numbered) this.#pushOpen(session, text.slice(0, -1), true);
    else this.#enqueue(session, text, 0);
  }

  /** `#push` of a frame given without its closing brace (`openEnvelope`): the `seq` is appended, no slice. */
  #pushOpen(session: ClientSession, open: string, numbered: boolean): void {
    if (!numbered) {
      this.#enqueue(session, `${open}}`, 0);
      return;
    }
    const seq = ++session.seq;
    // `decimal`: a per-frame counter through String(n) would sit in V8's number-to-string cache (kept alive).
    this.#enqueue(session, `${open},"seq":${decimal(seq)}}`, seq);
  }

  #enqueue(session: ClientSession, frame: string, seq: number): void {
    if (session.outbox.length === 0) {
      if (this.#toFlush.length === 0) queueMicrotask(this.#flushAfterMicrotasks);
      this.#toFlush.push(session);
    }
    session.outbox.push(frame);
    session.outboxSeqs.push(seq);
  }

  /**
   * Frames wait for the end of the tick: what one inbound message causes (the ack, the events of the engine
   * step, the next request, which the table sends from a promise continuation) reaches the transport in one
   * burst, which ws-core writes with one syscall (its socket is corked until the next tick). A nextTick queued
   * from a microtask runs once the microtask queue is empty, so the table's continuations have run by then.
   */
  readonly #flushAfterMicrotasks = () => process.nextTick(this.#flushAll);
  readonly #flushAll = () => {
    const sessions = this.#toFlush;
    this.#toFlush = [];
    for (const s of sessions) this.#flush(s);
  };

  /** Hands a session's waiting frames to its transport (also before it is closed). */
  #flush(session: ClientSession): void {
    const frames = session.outbox;
    const seqs = session.outboxSeqs;
    if (frames.length === 0) return;
    if (session.closed) {
      frames.length = seqs.length = 0;
      return;
    }
    for (let i = 0; i < frames.length; i++) this.#write(session, frames[i] as string, seqs[i] as number);
    frames.length = seqs.length = 0;
  }

  /**
   * Frames that go into the socket's backlog are mirrored by seq so that, when the "drop" policy drops the
   * oldest, the seqs lost are known (the backlog drains and drops from its head, so the mirror is trimmed to
   * its length first).
   */
  #write(session: ClientSession, frame: string, seq: number): void {
    const t = session.transport;
    const q = session.queued;
    if (q.length > 0 && t.backlog) {
      const extra = q.length - t.backlog();
      if (extra > 0) q.splice(0, extra);
    }
    const before = t.droppedCount ? t.droppedCount() : 0;
    const result = t.send(frame);
    if (result === "queued" || result === "dropped") q.push(seq);
    if (result === "dropped" && t.droppedCount) {
      for (let n = t.droppedCount() - before; n > 0; n--) {
        const lost = q.shift();
        if (lost) {
          session.lostFrom ??= lost;
          session.lostTo = lost;
        }
      }
    }
    this.#sent(session, result);
  }

  /**
   * A slow reader whose oldest frames were dropped ("drop" policy) is told once it has caught up:
   * `resync {lost, from, to, state}`: how many frames it missed, the first and last `seq` among them (frames in
   * between may have arrived), and a fresh snapshot.
   */
  #sent(session: ClientSession, result: unknown): void {
    if (result !== "dropped" || session.resyncPending) return;
    const t = session.transport;
    if (!t.whenDrained || !t.droppedCount) return;
    session.resyncPending = true;
    void t.whenDrained().then(() => {
      session.resyncPending = false;
      if (session.closed || session.clientId === undefined) return;
      const total = t.droppedCount?.() ?? session.dropsReported;
      const lost = total - session.dropsReported;
      session.dropsReported = total;
      const from = session.lostFrom;
      const to = session.lostTo;
      session.lostFrom = session.lostTo = null;
      if (lost > 0) this.#send(session, "resync", { lost, from, to, state: this.snapshot?.() ?? null });
    });
  }

  /** Direct reply: no top-level timestamp (as upstream's returned replies). */
  #reply(session: ClientSession, type: string, data: unknown): void {
    this.#push(session, JSON.stringify({ type, data }), false);
  }

  #error(session: ClientSession, code: ErrorCode, message: string): void {
    this.#reply(session, "error", { message, code });
  }
}
