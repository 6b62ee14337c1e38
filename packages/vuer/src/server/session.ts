import type { IncomingMessage } from "node:http";
import { CloseCode, ConnectionClosedError, deferred } from "@proj/ws-core";
import { type Connection, type PreparedFrame, preEncode, prepareFrame, type SendResult } from "@proj/ws-core/server";
import type { WebSocket } from "ws";
import { _encodeOwnedFrame, encodeFrame } from "../protocol/codec.js";
import { type FrameLease, frameLease } from "../protocol/msgpack/encode.js";
import { VuerTimeoutError } from "../protocol/errors.js";
import { grabRenderEvent, type RpcEvent, randomUuid, rpcResponseType } from "../protocol/server-events.js";
import type { ClientEventMessage, ServerEvent } from "../protocol/wire.js";
import { SceneOps } from "./scene-ops.js";

export interface OutgoingStats {
  /** Frames handed to the socket. */
  sent: number;
  /** Frames dropped (oldest first) because the queue was full. */
  dropped: number;
  /** Frames waiting now. */
  queued: number;
  /** Bytes of the frames waiting now (bounded by `queueBytes`). */
  queuedBytes: number;
}

/**
 * Queues one event on every session given, encoded and framed once (ws-core's broadcast framing: each socket
 * gets the same bytes). Returns how many sessions took it (sent, queued, or queued in place of a dropped one).
 */
export function fanOut(sessions: Iterable<VuerSession>, event: ServerEvent | Uint8Array): number {
  const frame = preEncode(prepareFrame(event instanceof Uint8Array ? event : _encodeOwnedFrame(event)));
  let n = 0;
  for (const s of sessions) if (s._sendFrame(frame) !== "closed") n++;
  if (n === 0) {
    // A frame no socket took (a scene nobody views yet): nothing to wait for before its buffer is filled again.
    const lease = frameLease(frame.data);
    if (lease !== undefined && !lease.escaped) lease.sent++;
  }
  return n;
}

/** What became of one queued frame. */
export type EnqueueResult = "sent" | "queued" | "dropped" | "closed";

/** An event a client sent, as decoded: `etype`, `value`, `ts`, `key` and any extra fields. */
export type IncomingEvent<V = any> = ClientEventMessage<V>;

interface Waiter {
  resolve: (ev: IncomingEvent) => void;
  reject: (err: Error) => void;
}

export interface SessionOptions {
  /** Default RPC timeout, ms (upstream's ttl=2.0 s). */
  rpcTimeoutMs: number;
  /** Client events kept in the downlink queue (upstream's `queue_len`). Default 100. */
  queueLen?: number;
  /** Where background task errors go. */
  onError?: (error: unknown, context: string) => void;
}

/** A background task: `done` settles with its result (undefined after a failure, which is reported instead). */
export interface TaskHandle<T> {
  readonly done: Promise<T | undefined>;
  /** Aborted by `abort()`, or when what the task belongs to (session, server) closes. */
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}

/** @internal Starts `fn(signal)` now; errors go to `onError`, never unhandled. */
export function runTask<T>(
  fn: (signal: AbortSignal) => T | Promise<T>,
  parent: AbortSignal,
  onError: (err: unknown) => void,
): TaskHandle<T> {
  const ac = new AbortController();
  const onParent = () => ac.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener("abort", onParent, { once: true });
  const done = (async () => {
    try {
      return await fn(ac.signal);
    } catch (err) {
      if (!ac.signal.aborted || err !== ac.signal.reason) onError(err);
      return undefined;
    } finally {
      parent.removeEventListener("abort", onParent);
    }
  })();
  return { done, signal: ac.signal, abort: (reason?: unknown) => ac.abort(reason) };
}

/**
 * One connection's session: its scene operations and events go to this client only. A frame goes straight
 * to the socket while the client keeps up; otherwise it waits in ws-core's bounded "drop" backlog (`queueLen`
 * frames, as upstream's `deque(maxlen=queue_len)`, and `queueBytes` bytes: the oldest is dropped and counted),
 * sent as the socket drains. `till` and RPC waiters see only this session's events (upstream's are global).
 */
export class VuerSession extends SceneOps<EnqueueResult> {
  /** Upstream's `CURRENT_WS_ID`. */
  readonly id = randomUuid();
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  /** The client's INIT event, once it arrived. */
  init: IncomingEvent | undefined;
  /** Aborted when the connection closes: hand it to loops and timers in spawn functions. */
  readonly signal: AbortSignal;
  readonly #conn: Connection<undefined>;
  readonly #o: SessionOptions;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #abort = new AbortController();
  readonly #closed = deferred<{ code: number; reason: string }>();
  #received = 0;
  /** Recent client events, oldest first (upstream's `downlink_queue`, bounded by `queueLen`). */
  readonly #downlink: IncomingEvent[] = [];
  /** Frames accepted for the client (sent now, queued, or queued in place of a dropped one). */
  #accepted = 0;
  /** Frames still queued when the session closed. */
  #discarded = 0;
  #closing = false;

  constructor(conn: Connection<undefined>, options: SessionOptions) {
    super();
    this.#conn = conn;
    this.socket = conn.ws;
    this.request = conn.request;
    this.#o = options;
    this.signal = this.#abort.signal;
  }

  get connected(): boolean {
    return !this.signal.aborted && this.socket.readyState === this.socket.OPEN;
  }

  /** Outgoing counters (sent, dropped, queued, queuedBytes) and events received. */
  get stats(): OutgoingStats & { received: number } {
    const dropped = this.#conn.stats.dropped;
    const queued = this.#conn.backlog;
    return {
      sent: this.#accepted - dropped - queued - this.#discarded,
      dropped,
      queued,
      queuedBytes: this.#conn.backlogBytes,
      received: this.#received,
    };
  }

  /** Resolves with the close code and reason once the connection has closed. */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.#closed.promise;
  }

  /** Queues any server event (or an already encoded frame) for this client. */
  override send(event: ServerEvent | Uint8Array): EnqueueResult {
    return this._sendFrame(event instanceof Uint8Array ? event : _encodeOwnedFrame(event));
  }

  /**
   * Resolves once this client's socket holds at most `lowWaterMark` unsent bytes and nothing waits in the queue (or
   * the connection closed): a loop that streams big frames (a `PointCloudStream`) awaits it between frames, so that
   * it sends at the pace the client reads instead of filling the queue, where the oldest frames are dropped.
   */
  drained(lowWaterMark = 0): Promise<void> {
    return this.#conn.whenDrained(lowWaterMark);
  }

  /**
   * The next event of this etype from this session's client. `till("INIT")` returns the INIT that started
   * the session even though it arrived before the spawn function ran (upstream hangs there).
   */
  till(etype: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<IncomingEvent> {
    if (etype === "INIT" && this.init) return Promise.resolve(this.init);
    return this.#wait(etype, options.timeoutMs, options.signal);
  }

  /** Resolves when the connection closes, keeping a spawn function (and so the socket) alive until then. */
  async forever(): Promise<void> {
    await this.#closed.promise;
  }

  // ---- the downlink queue: recent client events (upstream's popleft/pop/clear/stream) ----

  /** The oldest client event still held (removing it), or undefined when none is. */
  popleft(): IncomingEvent | undefined {
    return this.#downlink.shift();
  }

  /** The newest client event still held (removing it), or undefined when none is. */
  pop(): IncomingEvent | undefined {
    return this.#downlink.pop();
  }

  /** Forgets every held client event. */
  clear(): void {
    this.#downlink.length = 0;
  }

  /** The held client events, oldest first (a snapshot; nothing is removed). */
  *stream(): Generator<IncomingEvent> {
    yield* [...this.#downlink];
  }

  /** How many client events the downlink queue holds (at most `queueLen`, the oldest dropped first). */
  get downlinkSize(): number {
    return this.#downlink.length;
  }

  /**
   * Runs `fn(signal)` in the background (upstream's `session.spawn_task`); `signal` aborts when the session
   * closes or `abort()` is called, so loops can stop. A throw or rejection goes to the server's `onError`.
   */
  spawnTask<T>(fn: (signal: AbortSignal) => T | Promise<T>): TaskHandle<T> {
    return runTask(fn, this.signal, (err) => (this.#o.onError ?? console.error)(err, "session task"));
  }

  /**
   * Sends an RPC request past the queue and resolves with the client's answer (the event whose etype is the
   * request's `rtype`, or `<etype>_RESPONSE@<uuid>` when it has none, as upstream's generic `RPC`). Rejects with
   * `VuerTimeoutError` after `timeoutMs` (default 2000).
   */
  async rpc(request: RpcEvent, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<IncomingEvent> {
    const rtype = rpcResponseType(request);
    if (rtype === undefined) throw new TypeError("an RPC request needs a string uuid");
    const answer = this.#wait(rtype, options.timeoutMs ?? this.#o.rpcTimeoutMs, options.signal);
    if (!this.#conn.open) {
      answer.catch(() => {});
      throw new ConnectionClosedError("session is closed");
    }
    // Past the queue, as upstream's `Vuer.rpc` sends: a full queue never delays or drops a request.
    this.#accepted++;
    this.socket.send(encodeFrame(request), { binary: true });
    return answer;
  }

  /** Asks the client's GrabRender component for a frame; the answer's `value.frame` holds the image bytes. */
  grabRender(
    params: { key?: string; quality?: number; downsample?: number; [k: string]: unknown } = {},
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<IncomingEvent> {
    return this.rpc(grabRenderEvent(params), options);
  }

  /** Closes this connection (1000 by default); frames still arriving from the client are ignored. */
  close(code: number = CloseCode.Normal, reason = ""): void {
    this.#closing = true;
    this.#discarded += this.#conn.backlog;
    this.#conn.close(code, reason); // also empties the queue
  }

  // ---- called by the server ----

  /** @internal Queues an encoded frame, or one `fanOut` prepared once for many sessions. */
  _sendFrame(frame: Uint8Array | PreparedFrame): EnqueueResult {
    const r = this.#conn.send(frame);
    if (r === "closed") return r;
    this.#accepted++;
    const lease = frameLease(frame instanceof Uint8Array ? frame : frame.data);
    if (lease !== undefined && !lease.escaped) this.#follow(lease, r);
    return r === "skipped" ? "dropped" : r; // "skipped" cannot happen under the "drop" policy
  }

  /**
   * Follows a frame written in a recyclable buffer (a `PointCloudStream`'s) to the kernel. Written straight to the
   * socket, ws-core's `afterWrites` calls back once the socket has written everything before it (the frame's bytes
   * included: the socket writes from the buffer itself, without a copy). A frame that waits in the
   * queue (dropped or sent later, unseen) or goes through compression (asynchronous, in `ws`) is not followed: its
   * buffer is never filled again.
   */
  #follow(lease: FrameLease, r: SendResult): void {
    lease.pending++;
    const followed =
      r === "sent" &&
      this.#conn.afterWrites((err) => {
        lease.pending--;
        if (err) lease.abandoned = true;
      });
    if (followed) {
      lease.sent++;
      return;
    }
    lease.pending--;
    lease.abandoned = true;
  }

  /** @internal True once the server side closed (or began closing) this session. */
  get _closing(): boolean {
    return this.#closing;
  }

  /** @internal Routes one decoded event to this session's waiters. */
  _deliver(ev: IncomingEvent): void {
    this.#received++;
    this.#downlink.push(ev);
    if (this.#downlink.length > (this.#o.queueLen ?? 100)) this.#downlink.shift();
    const set = this.#waiters.get(ev.etype);
    if (!set) return;
    this.#waiters.delete(ev.etype);
    for (const w of set) w.resolve(ev);
  }

  /** @internal The socket closed: fail waiters, release `forever()`. */
  _closed(code: number, reason: string): void {
    if (this.signal.aborted) return;
    this.#discarded += this.#conn.backlog;
    this.#conn.close(); // the socket is closed already: this only empties the queue
    this.#abort.abort(new ConnectionClosedError("session closed", code, reason));
    const err = new ConnectionClosedError(`session closed (${code})`, code, reason);
    for (const set of this.#waiters.values()) for (const w of set) w.reject(err);
    this.#waiters.clear();
    this.#closed.resolve({ code, reason });
  }

  #wait(etype: string, timeoutMs?: number, signal?: AbortSignal): Promise<IncomingEvent> {
    if (this.signal.aborted) return Promise.reject(new ConnectionClosedError("session is closed"));
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => done(() => reject(signal?.reason ?? new Error("aborted")));
      const waiter: Waiter = {
        resolve: (ev) => done(() => resolve(ev)),
        reject: (err) => done(() => reject(err)),
      };
      const done = (settle: () => void) => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const set = this.#waiters.get(etype);
        set?.delete(waiter);
        if (set?.size === 0) this.#waiters.delete(etype);
        settle();
      };
      let set = this.#waiters.get(etype);
      if (!set) {
        set = new Set();
        this.#waiters.set(etype, set);
      }
      set.add(waiter);
      if (timeoutMs !== undefined)
        timer = setTimeout(() => waiter.reject(new VuerTimeoutError(etype, timeoutMs)), timeoutMs);
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }
}
