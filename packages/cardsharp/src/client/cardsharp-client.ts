import {
  eventIterator,
  type BackoffOptions,
  CodedError,
  ConnectionClosedError,
  deferred,
  Emitter,
  ReconnectingSocket,
  type SendQueueOptions,
  type SocketStatus,
  type WebSocketConstructor,
} from "@proj/ws-core";
import { parseCard } from "../engine/cards.js";
import type { Action, EngineEventType, EventPayload, PublicState } from "../engine/events.js";
import { evaluate } from "../engine/hand-value.js";
import {
  ACTION_NAMES,
  ACTION_RECEIVED_FRAME,
  type ActionRequestData,
  type ConnectedData,
  type ResyncData,
  type ErrorCode,
  nowSeconds,
  randomId,
  type SeatInfo,
} from "../protocol/messages.js";

/** An `error` reply from the server, as a typed error. */
export class CardsharpError extends CodedError<ErrorCode | (string & {})> {
  override name = "CardsharpError";
}

/** One game event as received. */
export interface GameEvent<K extends EngineEventType = EngineEventType> {
  event_type: K;
  data: EventPayload<K>;
  /** The envelope's timestamp (seconds). */
  timestamp: number | undefined;
}

/** Narrows an event to one type: `if (isGameEvent(e, "HAND_RESULT")) console.log(e.data.result)`. */
export function isGameEvent<K extends EngineEventType>(event: GameEvent, type: K): event is GameEvent<K> {
  return event.event_type === type;
}

/** Answers an action_request: return an action, or undefined to answer later with `client.act()`. */
export type PlayerStrategy = (
  request: ActionRequestData,
  client: CardsharpClient,
) => Action | undefined | Promise<Action | undefined>;

/** Where the client keeps its identity between page loads: the Web Storage subset it uses. */
export interface SessionStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem?(key: string): void;
}

/** A store in memory (Node's default): the identity lives as long as the client object. */
export function memorySessionStore(): SessionStore {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
  };
}

/** `sessionStorage` when the page has one and it works (one identity per tab), else memory. */
function defaultSessionStore(): SessionStore {
  try {
    const s = (globalThis as { sessionStorage?: SessionStore }).sessionStorage;
    if (s) {
      // Access throws in sandboxed frames and when storage is disabled; a full store throws on write.
      s.setItem("cardsharp-probe", "1");
      s.removeItem?.("cardsharp-probe");
      return s;
    }
  } catch {
    // fall through to memory
  }
  return memorySessionStore();
}

/** What the store holds under `storageKey`. */
interface StoredSession {
  client_id: string;
  resume_token: string;
}

/** Picks the bet when a round opens; undefined sits the round out. */
export type BetPolicy = (round: { minBet: number; maxBet: number; balance: number | undefined }) => number | undefined;

export interface CardsharpClientOptions {
  /** ws://host:port (or a function returning it, called per attempt). */
  url: string | (() => string);
  /**
   * The identity to use. Default: the one in `storage` (a reload of the page gets its seat back), else a
   * fresh uuid. A client id alone never resumes a seat: the server also wants the id's `resume_token`.
   */
  clientId?: string;
  /**
   * The secret the server gave this `clientId` (its `connected.resume_token`), when it is not in `storage`
   * (e.g. handed over from another process). Without the right one a known id is refused (CLIENT_ID_TAKEN)
   * and the client carries on under a fresh id.
   */
  resumeToken?: string;
  /**
   * Where the client id and resume token are kept, so a reconnect (and in a browser, a reload of the tab)
   * resumes the seat: default `sessionStorage` when available (per tab), else memory (per client object).
   * `false` keeps them in memory. The token is a credential: a store other tabs or scripts can read shares it.
   */
  storage?: SessionStore | false;
  /** The key in `storage`. Default `"cardsharp-session:" + url` (or `"cardsharp-session"` for a url function). */
  storageKey?: string;
  /** Default `globalThis.WebSocket`; in Node 20 pass `NodeWebSocket` from `@proj/ws-core/node`. */
  WebSocket?: WebSocketConstructor;
  /** Event names to subscribe to after every connect. Default ["*"]. */
  subscribe?: string[];
  /** Claim a seat after connecting (unless one was resumed). Default false. */
  join?: boolean | { name?: string };
  strategy?: PlayerStrategy;
  bet?: BetPolicy;
  /** Client heartbeat period. Default 5000 ms. */
  heartbeatIntervalMs?: number;
  /** Reconnect when no traffic arrives this long after a heartbeat. Default 15000 ms. */
  heartbeatTimeoutMs?: number;
  reconnect?: boolean;
  backoff?: BackoffOptions;
  /**
   * Give up after this many failed connection attempts in a row (the client then closes: `status` "closed",
   * `socket.lastError` says why). Default: never, it keeps retrying with backoff.
   */
  maxRetries?: number;
  /** Abandon (and retry) a connection attempt that has not opened after this long. Default 10000 ms. */
  openTimeoutMs?: number;
  /**
   * Sends made while disconnected wait in this bounded queue and go out after the next `connect` (and
   * re-subscribe); past the bound they reject with ws-core's QueueOverflowError. Default 100 messages / 256 KiB.
   */
  queue?: SendQueueOptions;
}

type ClientEvents = {
  connected: ConnectedData;
  event: GameEvent;
  action_request: ActionRequestData;
  /** Errors pushed by the server, or thrown by a strategy. */
  error: Error;
  disconnected: { client_id: string; reason?: string };
  /** The server dropped `lost` frames to this slow reader; `state` (also in `client.state`) is current again. */
  resync: ResyncData;
  status: SocketStatus;
};

interface Waiter {
  resolve: (m: { type: string; data: any }) => void;
  reject: (e: Error) => void;
}

/**
 * The CardSharp client (browser-safe): connects with a stable client id, subscribes, delivers typed
 * events, answers `action_request`s through a strategy, bets through a policy, sends heartbeats, and
 * on a drop reconnects with the same id (the server returns the seat and a snapshot).
 */
export class CardsharpClient {
  readonly socket: ReconnectingSocket;
  /** The seat this client holds, when known. */
  seat: SeatInfo | undefined;
  /** The last table snapshot (from `connected` or UI_UPDATE_NEEDED). */
  state: PublicState | undefined;
  /** `seq` of the last frame the server pushed (0 before any); a `resync` names the seqs lost before it. */
  lastSeq = 0;
  readonly #o: CardsharpClientOptions;
  readonly #events = new Emitter<ClientEvents>();
  readonly #subscriptions: Set<string>;
  #waiters: Waiter[] = [];
  /** Requests whose answer is on its way (the server re-sends an open request after a reconnect). */
  readonly #answering = new Set<string>();
  /** The round's hands as the event stream showed them (cards by hand id), for requests that lack `cards`. */
  readonly #seen = { hands: new Map<string, string[]>(), lastHandOf: new Map<string, string>(), upcard: "" };
  /** The server seats clients (ours); upstream's does not. */
  #seatedServer = true;
  /** Settled by the next `connected {client_id}`. */
  #connected = deferred<ConnectedData>();
  #balance: number | undefined;
  #current: ConnectedData | undefined;
  /** Betting state seen on the wire: which round is open for bets and whether we bet in it. */
  #betting: { roundId: string | null; minBet: number; maxBet: number; placed: boolean } | undefined;
  #clientId: string;
  #resumeToken: string | undefined;
  readonly #store: SessionStore;
  readonly #storeKey: string;
  /** Whether the `connect` on the current socket has been answered with `connected`. */
  #bound = false;

  constructor(options: CardsharpClientOptions) {
    this.#o = options;
    this.#store = options.storage === false ? memorySessionStore() : (options.storage ?? defaultSessionStore());
    this.#storeKey =
      options.storageKey ??
      (typeof options.url === "string" ? `cardsharp-session:${options.url}` : "cardsharp-session");
    const stored = this.#readStore();
    this.#clientId = options.clientId ?? stored?.client_id ?? randomId();
    this.#resumeToken = options.resumeToken ?? (stored?.client_id === this.#clientId ? stored.resume_token : undefined);
    if (this.#clientId.length === 0 || this.#clientId.length > 128) {
      throw new TypeError("clientId must be 1..128 characters (the server refuses longer ones)");
    }
    this.#subscriptions = new Set(options.subscribe ?? ["*"]);
    this.socket = new ReconnectingSocket({
      url: options.url,
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.openTimeoutMs !== undefined ? { openTimeoutMs: options.openTimeoutMs } : {}),
      reconnect: options.reconnect ?? true,
      queue: options.queue ?? { maxMessages: 100, maxBytes: 256 * 1024 },
      // The handshake goes ahead of anything queued while disconnected: `connect`, then the
      // subscriptions (the server starts every connection with none).
      onOpen: (send) => this.#handshake(send),
      ping: {
        intervalMs: options.heartbeatIntervalMs ?? 5000,
        timeoutMs: options.heartbeatTimeoutMs ?? 15_000,
        message: () => JSON.stringify({ type: "heartbeat", data: { timestamp: nowSeconds() } }),
      },
    });
    this.socket.on("message", (m) => this.#receive(m));
    this.socket.on("close", () => {
      this.#current = undefined;
      this.#bound = false;
      this.#failWaiters(new ConnectionClosedError("connection closed"));
    });
    this.socket.on("status", (s) => this.#events.emit("status", s));
  }

  get status(): SocketStatus {
    return this.socket.status;
  }

  /** This client's id: the one asked for, or a fresh one if the server refused it (CLIENT_ID_TAKEN). */
  get clientId(): string {
    return this.#clientId;
  }

  /** The secret that resumes this id's seat (from the last `connected`); never share it. */
  get resumeToken(): string | undefined {
    return this.#resumeToken;
  }

  on<K extends keyof ClientEvents>(event: K, fn: (payload: ClientEvents[K]) => void): () => void {
    return this.#events.on(event, fn);
  }

  /** Resolves once connected: at once when connected now, else with the next `connected {client_id}`. */
  connected(): Promise<ConnectedData> {
    return this.#current ? Promise.resolve(this.#current) : this.#connected.promise;
  }

  /** Resolves with the next `connected {client_id}` (e.g. after a reconnect). */
  nextConnected(): Promise<ConnectedData> {
    return this.#connected.promise;
  }

  /**
   * Game events as an async iterator; it ends when the client closes or `signal` aborts. Bounded: a
   * consumer that falls more than `limit` events behind loses the oldest (counted in the queue's `dropped`).
   */
  events(signal?: AbortSignal, limit = 10_000): AsyncIterableIterator<GameEvent> {
    return eventIterator<GameEvent>({
      subscribe: (push) => this.on("event", push),
      onEnd: (end) => this.on("status", (s) => s === "closed" && end()),
      ended: this.status === "closed",
      limit,
      ...(signal ? { signal } : {}),
    });
  }

  /** Adds subscriptions (kept for reconnects); resolves with the server's full list. */
  async subscribe(eventTypes: string[]): Promise<string[]> {
    for (const t of eventTypes) this.#subscriptions.add(t);
    const r = await this.#request({ type: "subscribe", data: { event_types: eventTypes } });
    return r.data.subscriptions;
  }

  async unsubscribe(eventTypes: string[]): Promise<string[]> {
    for (const t of eventTypes) this.#subscriptions.delete(t);
    const r = await this.#request({ type: "unsubscribe", data: { event_types: eventTypes } });
    return r.data.subscriptions;
  }

  /** Sends an `action`; resolves on `action_received`, rejects with CardsharpError on an `error` reply. */
  async action(action: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.#request({ type: "action", data: { action, data } });
  }

  /** Answers an action_request. */
  act(action: Action, requestId: string): Promise<void> {
    return new Promise((resolve, reject) => this.#answer(action, requestId, resolve, reject));
  }

  placeBet(amount: number): Promise<void> {
    return this.action(ACTION_NAMES.placeBet, { amount });
  }

  join(name?: string): Promise<void> {
    return this.action(ACTION_NAMES.join, name ? { player_name: name } : {});
  }

  leave(): Promise<void> {
    return this.action(ACTION_NAMES.leave);
  }

  /** Says `disconnect` (the server keeps the seat for its hold time) and closes for good. */
  async close(): Promise<void> {
    if (this.socket.status === "open") {
      try {
        this.socket.send(JSON.stringify({ type: "disconnect", data: { client_id: this.clientId } }));
      } catch {
        // closing anyway
      }
    }
    await this.socket.close(1000, "client closing");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals ----

  /**
   * Sends a `player_action` for `requestId` and settles through `resolve`/`reject` on its reply (no promise of
   * its own: a strategy's answer takes this path once per decision). The id counts as answered until then.
   */
  #answer(action: Action, requestId: string, resolve: () => void, reject: (e: Error) => void): void {
    const answering = this.#answering;
    answering.add(requestId);
    this.#sendAwaiting(
      { type: "action", data: { action: ACTION_NAMES.playerAction, data: { action, request_id: requestId } } },
      {
        resolve: () => {
          answering.delete(requestId);
          resolve();
        },
        reject: (e) => {
          answering.delete(requestId);
          reject(e);
        },
      },
    );
  }

  #request(msg: { type: string; data: unknown }): Promise<{ type: string; data: any }> {
    return new Promise((resolve, reject) => this.#sendAwaiting(msg, { resolve, reject }));
  }

  /** Sends `msg` and queues `waiter` for its reply (replies come in order); a send that throws rejects it. */
  #sendAwaiting(msg: { type: string; data: unknown }, waiter: Waiter): void {
    try {
      this.#send(msg);
    } catch (err) {
      waiter.reject(err as Error);
      return;
    }
    this.#waiters.push(waiter);
  }

  #send(msg: { type: string; data: unknown }): void {
    this.socket.send(encode(msg));
  }

  /** Runs on every open, before the queued sends: `connect`, then re-subscribe. */
  #handshake(send: (data: string) => void): void {
    this.#bound = false;
    if (this.#sendConnect(send)) {
      // Its reply comes before the replies to queued sends, so its waiter goes first.
      this.#waiters.unshift({ resolve: () => {}, reject: () => {} });
    }
  }

  /** Sends `connect` (with the resume token when we hold one) and the subscriptions; true if it subscribed. */
  #sendConnect(send: (data: string) => void): boolean {
    const data: Record<string, string> = { client_id: this.#clientId };
    if (this.#resumeToken !== undefined) data.resume_token = this.#resumeToken;
    send(encode({ type: "connect", data }));
    const subs = [...this.#subscriptions];
    if (subs.length === 0) return false;
    send(encode({ type: "subscribe", data: { event_types: subs } }));
    return true;
  }

  /**
   * The server refused our id (another client holds it and we lack its token, e.g. an id set by hand or
   * copied from another tab): carry on under a fresh identity rather than stay unconnected.
   */
  #takeFreshId(): void {
    this.#clientId = randomId();
    this.#resumeToken = undefined;
    this.seat = undefined;
    // The replies to what was already sent come first (errors: not connected), so this waiter goes last.
    if (this.#sendConnect((d) => this.socket.send(d))) this.#waiters.push({ resolve: () => {}, reject: () => {} });
  }

  #readStore(): StoredSession | undefined {
    try {
      const raw = this.#store.getItem(this.#storeKey);
      const v = raw ? (JSON.parse(raw) as Partial<StoredSession>) : undefined;
      return typeof v?.client_id === "string" && typeof v.resume_token === "string" ? (v as StoredSession) : undefined;
    } catch {
      return undefined;
    }
  }

  #writeStore(session: StoredSession): void {
    try {
      this.#store.setItem(this.#storeKey, JSON.stringify(session));
    } catch {
      // a full or disabled store: the identity still lives in memory
    }
  }

  #receive(raw: unknown): void {
    if (raw === ACTION_RECEIVED_FRAME) {
      // The ack of an action (every answer and bet): known text, no JSON.parse; a direct reply, no seq.
      this.#waiters.shift()?.resolve({ type: "event", data: { event_type: "action_received" } });
      return;
    }
    let msg: { type?: unknown; data?: any; timestamp?: number; seq?: unknown };
    try {
      msg = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw as Uint8Array));
    } catch {
      this.#events.emit("error", new CardsharpError("INVALID_JSON", "server sent invalid JSON"));
      return;
    }
    if (typeof msg !== "object" || msg === null || typeof msg.type !== "string") return;
    const data = msg.data ?? {};
    if (typeof msg.seq === "number") this.lastSeq = msg.seq;
    // Direct replies (no top-level timestamp) answer our requests in order; pushed heartbeats do not.
    const direct = msg.timestamp === undefined;
    if (direct && msg.type !== "heartbeat") {
      const w = this.#waiters.shift();
      if (msg.type === "error") {
        const err = new CardsharpError(data.code ?? "ERROR", String(data.message ?? "error"));
        if (w) w.reject(err);
        else this.#events.emit("error", err);
      } else {
        w?.resolve({ type: msg.type, data });
      }
      return;
    }
    switch (msg.type) {
      case "connected":
        if (typeof data.client_id === "string") this.#onConnected(data as ConnectedData);
        break;
      case "event":
        this.#onEvent({ event_type: data.event_type, data: data.data ?? {}, timestamp: msg.timestamp });
        break;
      case "action_request":
        this.#onActionRequest(data as ActionRequestData);
        break;
      case "error":
        if (data.code === "CLIENT_ID_TAKEN" && !this.#bound) {
          this.#takeFreshId();
          break;
        }
        this.#events.emit("error", new CardsharpError(data.code ?? "ERROR", String(data.message ?? "error")));
        break;
      case "disconnected":
        this.#events.emit("disconnected", data);
        break;
      case "resync":
        // Frames were lost: the snapshot replaces what they would have told us.
        if (data.state) this.state = data.state as PublicState;
        this.#events.emit("resync", {
          lost: Number(data.lost) || 0,
          from: typeof data.from === "number" ? data.from : null,
          to: typeof data.to === "number" ? data.to : null,
          state: data.state ?? null,
        });
        break;
    }
  }

  #onConnected(data: ConnectedData): void {
    this.#bound = true;
    this.#clientId = data.client_id;
    if (typeof data.resume_token === "string") {
      this.#resumeToken = data.resume_token;
      this.#writeStore({ client_id: data.client_id, resume_token: data.resume_token });
    }
    this.#seatedServer = "seat" in data;
    if (data.seat) this.seat = data.seat;
    if (data.state) {
      this.state = data.state;
      const st = data.state;
      this.#betting =
        st.stage === "PLACING_BETS"
          ? { roundId: st.round_id, minBet: st.min_bet, maxBet: st.max_bet, placed: isInRound(st, data.seat) }
          : undefined;
    }
    const join = this.#o.join;
    if (join && !data.seat) {
      const name = typeof join === "object" ? join.name : undefined;
      this.join(name).catch((e) => this.#events.emit("error", e as Error));
    }
    // Resolve the promise a caller may already hold, then keep a fresh one for the next reconnect.
    this.#current = data;
    this.#connected.resolve(data);
    this.#connected = deferred();
    this.#events.emit("connected", data);
    this.#maybeBet();
  }

  #onEvent(e: GameEvent): void {
    const d = e.data as Record<string, any>;
    let seated = false;
    if (e.event_type === "UI_UPDATE_NEEDED" && d.state) this.state = d.state;
    if (e.event_type === "PLAYER_JOINED" && d.client_id === this.clientId) {
      this.seat = { player_id: d.player_id, player_name: d.player_name, balance: d.balance };
      seated = true;
    }
    if (this.seat && d.player_id === this.seat.player_id) {
      if (e.event_type === "BANKROLL_UPDATED" || e.event_type === "PLAYER_BET") {
        this.#balance = d.balance ?? d.new_balance;
        this.seat = { ...this.seat, balance: this.#balance as number };
        if (e.event_type === "PLAYER_BET" && this.#betting) this.#betting.placed = true;
      }
      if (e.event_type === "PLAYER_LEFT") this.seat = undefined;
    }
    this.#track(e.event_type, d);
    if (e.event_type === "ROUND_STARTED") {
      // Upstream's ROUND_STARTED has no limits: its example client's own (5 to 1000) stand in. The same
      // round again (re-sent to a late subscriber) keeps what we know: a bet already placed is not repeated.
      const prev = this.#betting;
      const same = prev !== undefined && d.round_id !== undefined && prev.roundId === d.round_id;
      this.#betting = {
        roundId: d.round_id ?? null,
        minBet: d.min_bet ?? 5,
        maxBet: d.max_bet ?? 1000,
        placed: same ? prev.placed : false,
      };
    } else if (e.event_type === "CARD_DEALT" || e.event_type === "ROUND_ENDED") {
      this.#betting = undefined;
    }
    this.#events.emit("event", e);
    if (e.event_type === "ROUND_STARTED" || seated) this.#maybeBet();
  }

  /** Bets through the policy once per open round, as soon as we are seated and betting is open. */
  #maybeBet(): void {
    const b = this.#betting;
    // Upstream's server has no seats (its `connected` has no `seat` key): there every client bets.
    if (!b || b.placed || (!this.seat && this.#seatedServer) || !this.#o.bet) return;
    const amount = this.#o.bet({ minBet: b.minBet, maxBet: b.maxBet, balance: this.seat?.balance });
    if (amount === undefined) return;
    b.placed = true;
    this.placeBet(amount).catch((err) => this.#events.emit("error", err as Error));
  }

  /** Follows the cards of the round from the events (upstream's `action_request` has no `cards`). */
  #track(type: string, d: Record<string, any>): void {
    const seen = this.#seen;
    if (type === "ROUND_STARTED") {
      seen.hands.clear();
      seen.lastHandOf.clear();
      seen.upcard = "";
    } else if (type === "CARD_DEALT" && typeof d.card === "string") {
      if (d.is_dealer) {
        if (!d.is_hole_card && !seen.upcard) seen.upcard = d.card;
      } else if (typeof d.player_id === "string") {
        const key = typeof d.hand_id === "string" ? d.hand_id : `player:${d.player_id}`;
        seen.hands.set(key, [...(seen.hands.get(key) ?? []), d.card]);
        seen.lastHandOf.set(d.player_id, key);
      }
    } else if (type === "HAND_SPLIT") {
      const orig = seen.hands.get(d.original_hand_id) ?? [];
      if (typeof d.new_hand1_id === "string") seen.hands.set(d.new_hand1_id, orig.slice(0, 1));
      if (typeof d.new_hand2_id === "string") seen.hands.set(d.new_hand2_id, orig.slice(1, 2));
    }
  }

  /** The request with `cards`, `hand_value` and `dealer_upcard` filled in from the events when it lacks them. */
  #complete(request: ActionRequestData): ActionRequestData {
    // Ours sends all of them: the parsed request is the client's own object already.
    if (
      Array.isArray(request.cards) &&
      typeof request.hand_value === "number" &&
      typeof request.dealer_upcard === "string" &&
      Array.isArray(request.valid_actions)
    ) {
      return request;
    }
    const r = { ...request } as ActionRequestData;
    const seen = this.#seen;
    if (!Array.isArray(r.cards)) {
      const key =
        (typeof r.hand_id === "string" && seen.hands.has(r.hand_id) ? r.hand_id : undefined) ??
        seen.lastHandOf.get(r.player_id) ??
        `player:${r.player_id}`;
      r.cards = [...(seen.hands.get(key) ?? [])];
    }
    if (typeof r.hand_value !== "number" && r.cards.length > 0) {
      try {
        r.hand_value = evaluate(r.cards.map(parseCard)).total;
      } catch {
        // a card we cannot read: no value
      }
    }
    if (typeof r.dealer_upcard !== "string" && seen.upcard) r.dealer_upcard = seen.upcard;
    if (!Array.isArray(r.valid_actions)) r.valid_actions = [];
    return r;
  }

  #onActionRequest(raw: ActionRequestData): void {
    if (this.#answering.has(raw.request_id)) return; // answered, the reply is on its way
    const request = this.#complete(raw);
    this.#events.emit("action_request", request);
    const strategy = this.#o.strategy;
    if (!strategy) return;
    let action: ReturnType<PlayerStrategy>;
    try {
      action = strategy(request, this);
    } catch (err) {
      this.#events.emit("error", err as Error);
      return;
    }
    // A strategy that answers at once is answered at once: no promise or await per decision.
    if (typeof action === "string" || !isThenable(action)) this.#strategyAnswer(action, request.request_id);
    else {
      action.then(
        (a) => this.#strategyAnswer(a, request.request_id),
        (err) => this.#events.emit("error", err as Error),
      );
    }
  }

  #strategyAnswer(action: Action | undefined, requestId: string): void {
    if (action !== undefined) this.#answer(action, requestId, noop, this.#emitError);
  }

  readonly #emitError = (err: Error): void => void this.#events.emit("error", err);

  #failWaiters(err: Error): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const x of w) x.reject(err);
  }
}

function noop(): void {}

/** A promise or any `then`-able (what `await` would wait for); anything else a strategy returns is its answer. */
function isThenable(v: unknown): v is PromiseLike<Action | undefined> {
  return typeof (v as { then?: unknown } | null | undefined)?.then === "function";
}

function encode(msg: { type: string; data: unknown }): string {
  return JSON.stringify({ type: msg.type, data: msg.data, timestamp: nowSeconds() });
}

function isInRound(state: PublicState, seat: SeatInfo | null | undefined): boolean {
  return !!seat && (state.players.find((p) => p.player_id === seat.player_id)?.hands.length ?? 0) > 0;
}
