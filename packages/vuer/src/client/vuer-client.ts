import {
  type BackoffOptions,
  CloseCode,
  ConnectionClosedError,
  Emitter,
  ReconnectingSocket,
  type SendQueueOptions,
  type SocketStatus,
  type WebSocketConstructor,
  type WireData,
} from "@proj/ws-core";
import { ClientEvent } from "../protocol/client-events.js";
import { decodeEvent, encodeFrame } from "../protocol/codec.js";
import { NotConnectedError, VuerDecodeError } from "../protocol/errors.js";
import { SceneGraph } from "../protocol/scene-graph.js";
import { rpcResponseType } from "../protocol/server-events.js";
import type { ClientEventMessage, ServerEvent, VuerEvent } from "../protocol/wire.js";
import { clientInfo } from "./client-info.js";
import { type Env, type ResolvedClientConfig, resolveClientConfig } from "./config.js";
import { Inbox } from "./inbox.js";

export interface VuerClientOptions {
  /** Default: `VUER_CLIENT_URI` (Node), else `ws://localhost:8012`. */
  uri?: string;
  /** Largest accepted frame in bytes. Default: `WEBSOCKET_MAX_SIZE` (Node), else 256 MiB. */
  maxSize?: number;
  /** Verify TLS certificates (Node). Default: `VUER_SSL_VERIFY` (Node), else true. */
  sslVerify?: boolean;
  /** WebSocket constructor: `globalThis.WebSocket` by default; in Node 20 pass `NodeWebSocket` from `@proj/ws-core/node`. */
  WebSocket?: WebSocketConstructor;
  /** Extra options for Node's `ws` (headers, ca, agent...); ignored by browsers. */
  wsOptions?: Record<string, unknown>;
  /** Reconnect automatically after an unexpected close (INIT is sent again each time). Default false, like upstream. */
  reconnect?: boolean | { backoff?: BackoffOptions; maxRetries?: number; minUptimeMs?: number };
  /** Fields merged into the INIT value (or replacing it with a function). */
  clientInfo?: Record<string, unknown> | ((info: Record<string, unknown>) => Record<string, unknown>);
  /** Events kept for `recv()` / iteration before the oldest is dropped (counted in `droppedEvents`). Default 10,000. */
  inboxLimit?: number;
  /**
   * Bytes of received frames kept for `recv()` / iteration (a decoded event holds its frame) before the oldest
   * is dropped; the newest event is always kept. Default 64 MiB. Events still reach `scene` and `on("event")`.
   */
  inboxMaxBytes?: number;
  /** Abort an attempt that has not opened after this long. Default 10,000 ms. */
  openTimeoutMs?: number;
  /**
   * Bound for events sent while (re)connecting, flushed right after the next INIT. Past it `send` rejects with
   * `QueueOverflowError`. Default 1,000 events / 16 MiB.
   */
  sendQueue?: SendQueueOptions;
  /** Environment to read (tests); defaults to `process.env` in Node and nothing in browsers. */
  env?: Env;
}

type Events = {
  /** Every event the server sent, already applied to `scene`. */
  event: ServerEvent;
  /** Errors nobody awaits: failed `sendNow`, undecodable frames. */
  error: Error;
  status: SocketStatus;
  open: undefined;
  close: { code: number; reason: string; willReconnect: boolean };
};

/** Anything `send` accepts: a `ClientEvent`, or a plain `{etype, value?, key?, ...}` map. */
export type Sendable = ClientEvent | { etype: string; [field: string]: unknown };

/**
 * Connects to a Vuer server (ours or upstream's), sends INIT on every connection, sends `ClientEvent`s, and
 * receives server events into `recv()`, async iteration and a local `scene` model. Browser-safe.
 */
export class VuerClient implements AsyncIterable<ServerEvent> {
  /** Effective uri, maxSize and sslVerify after options, environment and defaults. */
  readonly config: ResolvedClientConfig;
  /** The scene as the server's SET/ADD/UPSERT/UPDATE/REMOVE events left it; emits `change`. */
  readonly scene = new SceneGraph();
  readonly #o: VuerClientOptions;
  readonly #events = new Emitter<Events>();
  readonly #inbox: Inbox<ServerEvent>;
  #socket: ReconnectingSocket | undefined;

  constructor(uriOrOptions?: string | VuerClientOptions, options: VuerClientOptions = {}) {
    this.#o = typeof uriOrOptions === "string" ? { ...options, uri: uriOrOptions } : { ...uriOrOptions };
    this.config = resolveClientConfig(this.#o, this.#o.env);
    this.#inbox = new Inbox(this.#o.inboxLimit ?? 10_000, this.#o.inboxMaxBytes ?? 64 * 1024 * 1024);
  }

  /** True while a connection is open. */
  get connected(): boolean {
    return this.#socket?.status === "open";
  }

  get status(): SocketStatus | "idle" {
    return this.#socket?.status ?? "idle";
  }

  /** Events dropped because nobody read them and the inbox was full. */
  get droppedEvents(): number {
    return this.#inbox.dropped;
  }

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Opens the connection and sends INIT. Calling it again after `close()` opens a fresh connection. */
  async connect(): Promise<this> {
    if (this.#socket && this.#socket.status !== "closed") {
      await this.#socket.opened();
      return this;
    }
    const { uri, maxSize, sslVerify } = this.config;
    const r = this.#o.reconnect;
    const socket = new ReconnectingSocket({
      url: uri,
      ...(this.#o.WebSocket ? { WebSocket: this.#o.WebSocket } : {}),
      wsOptions: { maxPayload: maxSize, rejectUnauthorized: sslVerify, ...this.#o.wsOptions },
      reconnect: r !== undefined && r !== false,
      ...(typeof r === "object" ? r : {}),
      openTimeoutMs: this.#o.openTimeoutMs ?? 10_000,
      queue: { maxMessages: 1000, maxBytes: 16 * 1024 * 1024, ...this.#o.sendQueue },
      autoConnect: false,
      // INIT goes first on every connection, ahead of what was queued while connecting.
      onOpen: (send) => this.#opened(socket, send),
    });
    this.#socket = socket;
    this.#inbox.reopen();
    socket.on("message", (data) => this.#receive(socket, data));
    socket.on("status", (s) => {
      // "open" is reported by #opened, once INIT is out: a listener that sends right away comes after it.
      if (s !== "open") this.#events.emit("status", s);
    });
    socket.on("error", (err) => this.#events.emit("error", err));
    socket.on("close", (info) => {
      this.#events.emit("close", info);
      if (!info.willReconnect && this.#socket === socket) this.#inbox.end();
    });
    socket.connect();
    await socket.opened();
    return this;
  }

  /** Closes with 1000. Buffered events stay readable; then `recv()` returns null and iteration ends. */
  async close(): Promise<void> {
    const s = this.#socket;
    if (!s) return;
    await s.close(CloseCode.Normal, "");
    this.#inbox.end();
  }

  /** Drops the current connection and connects again at once (INIT is sent again). */
  reconnect(): void {
    if (!this.#socket || this.#socket.status === "closed") throw new NotConnectedError();
    this.#socket.reconnect();
  }

  /**
   * Sends one event; resolves once it is written to the socket. While (re)connecting it waits in a bounded queue
   * and goes out right after the next INIT. Rejects with `NotConnectedError` before `connect()` or after the
   * client closed, with the close error if the connection ends before the event went out. Order is kept with
   * `sendNow`.
   */
  send(event: Sendable): Promise<void> {
    let frame: Uint8Array;
    try {
      frame = encodeFrame(toWire(event));
    } catch (err) {
      return Promise.reject(err);
    }
    const socket = this.#socket;
    if (!socket || socket.status === "closed") return Promise.reject(new NotConnectedError());
    try {
      socket.send(frame); // written now, or queued (bounded) behind the queue and the next INIT
    } catch (err) {
      return Promise.reject(err);
    }
    return socket.queuedMessages === 0 ? Promise.resolve() : flushed(socket);
  }

  /** Fire-and-forget `send` (upstream's `client.send @ event`): same ordering, errors go to the `error` event. */
  sendNow(event: Sendable): void {
    this.send(event).catch((err: Error) => this.#events.emit("error", err));
  }

  /**
   * Answers an RPC request (GRAB_RENDER, RPC, ...) with `value`, echoing its `key`. The answer's etype is the
   * request's `rtype`, or `<etype>_RESPONSE@<uuid>` for upstream's generic `RPC`, which carries no `rtype`.
   */
  respond(request: VuerEvent, value: unknown): Promise<void> {
    const rtype = rpcResponseType(request);
    if (rtype === undefined) return Promise.reject(new TypeError("the request has neither an rtype nor a uuid"));
    const ev: Sendable = { etype: rtype, value };
    if (typeof request.key === "string") ev.key = request.key;
    return this.send(ev);
  }

  /**
   * The next server event. Resolves `null` when `timeoutMs` passes (the connection stays up) or when the
   * connection has closed and every buffered event was read. Throws `NotConnectedError` before any `connect()`.
   */
  recv(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ServerEvent | null> {
    if (!this.#socket) return Promise.reject(new NotConnectedError());
    return this.#inbox.take(options.timeoutMs, options.signal);
  }

  /** Server events until the connection closes for good. */
  async *[Symbol.asyncIterator](): AsyncIterator<ServerEvent> {
    for (;;) {
      const ev = await this.recv();
      if (ev === null) return;
      yield ev;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #opened(socket: ReconnectingSocket, send: (data: WireData) => void): void {
    let init: Uint8Array;
    try {
      init = encodeFrame(this.#initEvent().toWire());
    } catch (err) {
      this.#events.emit("error", err as Error);
      void socket.close(CloseCode.InternalError, "could not build INIT");
      return;
    }
    send(init);
    this.#events.emit("status", "open");
    this.#events.emit("open", undefined);
  }

  #initEvent(): ClientEvent {
    const base = clientInfo();
    const extra = this.#o.clientInfo;
    const value = typeof extra === "function" ? extra(base) : { ...base, ...extra };
    return new ClientEvent({ etype: "INIT", value });
  }

  #receive(socket: ReconnectingSocket, data: WireData): void {
    if (typeof data !== "string" && data.byteLength > this.config.maxSize) {
      // Browsers have no maxPayload: enforce the limit here (Node's ws closes with 1009 before this point).
      void socket.close(CloseCode.MessageTooBig, "frame too large");
      this.#events.emit("error", new VuerDecodeError(`frame of ${data.byteLength} bytes is over maxSize`));
      return;
    }
    let ev: ServerEvent;
    try {
      ev = decodeEvent<ServerEvent>(data);
    } catch (err) {
      this.#events.emit("error", err as Error);
      return;
    }
    this.scene.apply(ev);
    this.#inbox.push(ev, typeof data === "string" ? data.length : data.byteLength);
    this.#events.emit("event", ev);
  }
}

/** Resolves when the socket next opens (its queue is flushed right then); rejects if it closes for good first. */
function flushed(socket: ReconnectingSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const offs = [
      socket.on("open", () => {
        for (const off of offs) off();
        resolve();
      }),
      socket.on("status", (s) => {
        if (s !== "closed") return;
        for (const off of offs) off();
        reject(socket.lastError ?? new ConnectionClosedError("the connection closed before the event was sent"));
      }),
    ];
  });
}

function toWire(event: Sendable): ClientEventMessage {
  if (event instanceof ClientEvent) return event.toWire();
  if (typeof event !== "object" || event === null || typeof event.etype !== "string") {
    throw new TypeError(`Expected a ClientEvent or an {etype} object, got ${event === null ? "null" : typeof event}`);
  }
  const { etype, ts, value, ...rest } = event;
  return { ts: typeof ts === "number" ? ts : Date.now(), etype, value: value ?? null, ...rest };
}
