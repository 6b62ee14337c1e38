import { ConnectionClosedError, HandshakeError, NotConnectedError, TimeoutError, type WsCoreError } from "../errors.js";
import { CloseCode, FATAL_CLOSE_CODES, limitCloseReason } from "../protocol/close-codes.js";
import { toWireData, type WireData } from "../protocol/codec.js";
import { abortErrorFrom } from "../util/abort.js";
import { AsyncQueue } from "../util/async-queue.js";
import { deferred } from "../util/deferred.js";
import { Emitter } from "../util/emitter.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import { directFrameWriter } from "./direct-frame.js";
import { SendQueue, type SendQueueOptions } from "./send-queue.js";
import { defaultWebSocket, ReadyState, type WebSocketConstructor, type WebSocketLike } from "./websocket-like.js";

export type SocketStatus = "connecting" | "open" | "reconnecting" | "closed";

/** A value, or a function producing it on each attempt (refresh a token per reconnect). */
export type Provider<T> = T | (() => T | Promise<T>);

export interface CloseInfo {
  code: number;
  reason: string;
  /** True when the client will try again. */
  willReconnect: boolean;
}

export interface PingOptions {
  /** How often to send the ping while open, ms. */
  intervalMs: number;
  /** How long to wait for any inbound traffic after a ping before the connection counts as dead, ms. */
  timeoutMs?: number;
  /** The application-level ping frame (browsers cannot send protocol pings). */
  message: Provider<WireData>;
}

export interface ReconnectingSocketOptions {
  url: Provider<string>;
  protocols?: Provider<string | string[] | undefined>;
  /** The WebSocket constructor: defaults to `globalThis.WebSocket`; pass `ws`'s in Node 20. */
  WebSocket?: WebSocketConstructor;
  /** Third constructor argument for Node's `ws` (headers, TLS, maxPayload); ignored in browsers. */
  wsOptions?: Provider<Record<string, unknown> | undefined>;
  /** Reconnect after an unexpected close. Default true. */
  reconnect?: boolean;
  backoff?: BackoffOptions;
  /** A connection must stay open this long before the retry count resets (stops flapping). Default 5000. */
  minUptimeMs?: number;
  /** Give up after this many failed attempts in a row. Default Infinity. */
  maxRetries?: number;
  /** Abort an attempt that has not opened after this long. Default 10000. */
  openTimeoutMs?: number;
  /** Wait this long for the close handshake before giving up on it. Default 5000. */
  closeTimeoutMs?: number;
  /** Handshake refusals (HTTP statuses) that end the client. Default [400, 401, 403, 404]; [] retries all. */
  fatalHandshakeStatuses?: Iterable<number>;
  /** Close codes that end the client instead of retrying. Defaults to `FATAL_CLOSE_CODES`. */
  fatalCloseCodes?: Iterable<number>;
  /**
   * What a throwing `url`/`protocols`/`wsOptions` provider (or a URL the WebSocket constructor refuses)
   * does: `"fatal"` (default) ends the client with that error as `lastError`, `opened()` rejecting with
   * it; `"retry"` treats it like a failed attempt (e.g. a token endpoint that is briefly down).
   */
  setupErrors?: "fatal" | "retry";
  /** Final say on retrying; runs after the fatal-code check. */
  shouldReconnect?: (info: { code: number; reason: string; attempt: number; error?: WsCoreError }) => boolean;
  /** Bounded queue for sends while not open; `false` makes such sends throw. */
  queue?: SendQueueOptions | false;
  ping?: PingOptions;
  /** Aborting closes the client for good. */
  signal?: AbortSignal;
  /** Connect in the constructor. Default true. */
  autoConnect?: boolean;
  /** Buffer bound for `messages()` iterators. Default 10000. */
  iteratorLimit?: number;
  /** Random source for jitter (tests inject one). */
  random?: () => number;
  /**
   * Runs on every open before queued sends are flushed: what it sends goes first (a protocol's
   * handshake or re-subscribe), ahead of anything queued while disconnected.
   */
  onOpen?: (send: (data: WireData) => void) => void;
}

type Events = {
  open: { protocol: string };
  message: WireData;
  close: CloseInfo;
  error: WsCoreError | Error;
  status: SocketStatus;
};

/**
 * A WebSocket that reconnects with jittered exponential backoff, buffers sends while disconnected
 * (bounded), optionally pings at the application level, and exposes its status.
 */
export class ReconnectingSocket {
  readonly #o: ReconnectingSocketOptions;
  readonly #events = new Emitter<Events>();
  readonly #queue: SendQueue | undefined;
  readonly #fatal: ReadonlySet<number>;
  readonly #fatalStatuses: ReadonlySet<number>;
  #ws: WebSocketLike | undefined;
  #status: SocketStatus = "connecting";
  #lastError: Error | undefined;
  #attempt = 0;
  #openedAt = 0;
  #stopped = false;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = deferred<CloseInfo>();
  #iterators = new Set<AsyncQueue<WireData>>();
  #started = false;
  /** A send went out in the current task (reset once its microtasks have run). */
  #sentThisTask = false;
  /** Node's `ws` only: the TCP socket, corked from the second send of a task until its microtasks have run. */
  #corked: NodeSocketLike | undefined;
  /** Removes the `message` listener from Node's `ws` (browsers' sockets use `onmessage`). */
  #offMessage: (() => void) | undefined;
  /** Node's `ws` without compression: writes a frame in one buffer (see `directFrameWriter`). */
  #direct: ((data: WireData) => boolean) | undefined;
  readonly #endTask = () => {
    this.#sentThisTask = false;
    const s = this.#corked;
    this.#corked = undefined;
    s?.uncork();
  };

  constructor(options: ReconnectingSocketOptions) {
    this.#o = options;
    this.#queue = options.queue === false ? undefined : new SendQueue(options.queue ?? {});
    this.#fatal = new Set(options.fatalCloseCodes ?? FATAL_CLOSE_CODES);
    this.#fatalStatuses = new Set(options.fatalHandshakeStatuses ?? [400, 401, 403, 404]);
    this.#closed.promise.catch(() => {});
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) {
        this.#stopped = true;
        this.#setStatus("closed");
        this.#closed.resolve({ code: CloseCode.Normal, reason: "aborted", willReconnect: false });
        return;
      }
      signal.addEventListener("abort", () => void this.close(CloseCode.Normal, "aborted"), { once: true });
    }
    if (options.autoConnect !== false) this.connect();
  }

  /** Starts connecting (only needed with `autoConnect: false`). */
  connect(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    void this.#open();
  }

  get status(): SocketStatus {
    return this.#status;
  }

  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Retry count since the last good connection. */
  get attempt(): number {
    return this.#attempt;
  }

  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  get queuedMessages(): number {
    return this.#queue?.length ?? 0;
  }

  /** The negotiated subprotocol of the current connection. */
  get protocol(): string {
    return this.#ws?.protocol ?? "";
  }

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  once<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    return this.#events.once(event, listener);
  }

  /** Resolves when the socket is open; rejects if the client closes first. */
  opened(signal?: AbortSignal): Promise<void> {
    if (this.#status === "open") return Promise.resolve();
    if (this.#status === "closed") {
      return Promise.reject(this.#lastError ?? new ConnectionClosedError("client is closed"));
    }
    return new Promise((resolve, reject) => {
      const offs: Array<() => void> = [];
      const done = () => {
        for (const off of offs) off();
      };
      offs.push(
        this.on("open", () => {
          done();
          resolve();
        }),
        this.on("status", (s) => {
          if (s !== "closed") return;
          done();
          reject(this.#lastError ?? new ConnectionClosedError("client closed before it opened"));
        }),
      );
      if (signal) {
        const onAbort = () => {
          done();
          reject(abortErrorFrom(signal));
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        offs.push(() => signal.removeEventListener("abort", onAbort));
      }
    });
  }

  /** Resolves once the client has closed for good. */
  get closed(): Promise<CloseInfo> {
    return this.#closed.promise;
  }

  /**
   * Sends now when open; otherwise queues (bounded) until the next open.
   * Throws `QueueOverflowError` when the queue is full, `ConnectionClosedError` after `close()`.
   */
  send(data: WireData): void {
    if (this.#stopped) {
      const cause = this.#lastError;
      throw new ConnectionClosedError(
        `cannot send: client is closed${cause ? ` (${cause.message})` : ""}`,
        undefined,
        "",
        cause ? { cause } : undefined,
      );
    }
    const ws = this.#ws;
    if (ws && ws.readyState === ReadyState.OPEN && (this.#queue?.length ?? 0) === 0) {
      this.#batch(ws);
      if (this.#direct === undefined || !this.#direct(data)) ws.send(data as Uint8Array<ArrayBuffer>);
      return;
    }
    if (!this.#queue) throw new NotConnectedError("cannot send: not connected");
    this.#queue.push(data);
  }

  /** Drops the current connection and reconnects at once (e.g. after a network change). */
  reconnect(): void {
    if (this.#stopped) return;
    this.#attempt = 0;
    this.#dropSocket(CloseCode.Normal, "reconnect");
    this.#clearTimers();
    this.#setStatus("reconnecting");
    void this.#open();
  }

  /** Closes for good: pending sends are discarded, iterators end, `closed` resolves. */
  async close(code: number = CloseCode.Normal, reason = ""): Promise<CloseInfo> {
    if (this.#stopped) return this.#closed.promise;
    this.#stopped = true;
    this.#clearTimers();
    this.#stopPing();
    this.#queue?.clear();
    const ws = this.#ws;
    const info: CloseInfo = { code, reason, willReconnect: false };
    if (ws && (ws.readyState === ReadyState.OPEN || ws.readyState === ReadyState.CONNECTING)) {
      const done = deferred<void>();
      const timer = setTimeout(() => done.resolve(), this.#o.closeTimeoutMs ?? 5000);
      ws.onclose = (ev) => {
        info.code = ev.code;
        info.reason = ev.reason;
        done.resolve();
      };
      ws.onerror = () => {};
      ws.onmessage = null;
      this.#offMessage?.();
      this.#offMessage = undefined;
      try {
        ws.close(code, limitCloseReason(reason));
      } catch {
        done.resolve();
      }
      await done.promise;
      clearTimeout(timer);
    }
    this.#ws = undefined;
    this.#finish(info);
    return info;
  }

  /** Incoming messages as an async iterator; ends when the client closes for good. */
  messages(signal?: AbortSignal): AsyncIterableIterator<WireData> {
    const q = new AsyncQueue<WireData>(this.#o.iteratorLimit ?? 10_000);
    if (this.#stopped) {
      q.end();
      return q;
    }
    this.#iterators.add(q);
    const origReturn = q.return.bind(q);
    q.return = () => {
      this.#iterators.delete(q);
      return origReturn();
    };
    signal?.addEventListener("abort", () => void q.return(), { once: true });
    return q;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WireData> {
    return this.messages();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals ----

  async #open(): Promise<void> {
    if (this.#stopped) return;
    if (this.#status !== "reconnecting") this.#setStatus("connecting");
    let url: string;
    let protocols: string | string[] | undefined;
    let wsOptions: Record<string, unknown> | undefined;
    try {
      url = await resolve(this.#o.url);
      protocols = await resolve(this.#o.protocols);
      wsOptions = await resolve(this.#o.wsOptions);
    } catch (err) {
      this.#fail(err as Error, this.#o.setupErrors !== "retry");
      return;
    }
    if (this.#stopped) return;
    const Ctor = this.#o.WebSocket ?? defaultWebSocket();
    let ws: WebSocketLike;
    try {
      // Never an explicit `undefined` for `protocols`: Chromium sends it as a subprotocol named "undefined", and a
      // server that picks none then fails the handshake. No argument, or `[]` (the spec's default) before options.
      if (wsOptions) ws = new Ctor(url, protocols ?? [], wsOptions);
      else ws = protocols === undefined ? new Ctor(url) : new Ctor(url, protocols);
    } catch (err) {
      this.#fail(err as Error, this.#o.setupErrors !== "retry");
      return;
    }
    ws.binaryType = "arraybuffer";
    this.#ws = ws;
    this.#direct = undefined;
    const openTimer = this.#timer(() => {
      if (this.#ws !== ws) return;
      const err = new TimeoutError(`connection did not open within ${this.#o.openTimeoutMs ?? 10_000} ms`, 0);
      this.#lastError = err;
      this.#dropSocket(CloseCode.Timeout, "open timeout");
      this.#handleClose(CloseCode.Abnormal, "open timeout", err);
    }, this.#o.openTimeoutMs ?? 10_000);
    let handshakeError: HandshakeError | undefined;
    // `ws` reports a close it initiated for an oversize frame as 1006 locally; keep the real code.
    let localCloseCode: number | undefined;

    ws.onopen = () => {
      if (this.#ws !== ws) return;
      this.#direct = directFrameWriter(ws);
      this.#clear(openTimer);
      this.#openedAt = Date.now();
      this.#lastError = undefined;
      this.#setStatus("open");
      try {
        this.#o.onOpen?.((data) => ws.send(data as Uint8Array<ArrayBuffer>));
      } catch (err) {
        this.#events.emit("error", err as Error);
      }
      this.#events.emit("open", { protocol: ws.protocol });
      this.#flush(ws);
      this.#startPing(ws);
    };
    const onData = (raw: unknown) => {
      if (this.#ws !== ws) return;
      this.#sawTraffic();
      let data: WireData;
      try {
        data = toWireData(raw);
      } catch (err) {
        this.#events.emit("error", err as Error);
        return;
      }
      this.#events.emit("message", data);
      for (const q of this.#iterators) q.push(data);
    };
    const node = ws as unknown as NodeWsEvents;
    if (typeof node.on === "function" && typeof node.off === "function") {
      // Node's `ws`: its own event, without the MessageEvent its `onmessage` wraps every message in.
      const onNodeMessage = (raw: { toString(): string }, isBinary: boolean) => onData(isBinary ? raw : raw.toString());
      node.on("message", onNodeMessage);
      this.#offMessage = () => node.off?.("message", onNodeMessage);
    } else {
      ws.onmessage = (ev) => onData(ev.data);
    }
    ws.onerror = (ev) => {
      if (this.#ws !== ws) return;
      const message = String(ev?.message ?? ev?.error?.message ?? "WebSocket error");
      const m = /Unexpected server response: (\d+)/.exec(message);
      const err: Error = m ? new HandshakeError(message, Number(m[1])) : new Error(message);
      if (err instanceof HandshakeError) handshakeError = err;
      if (ev?.error?.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") localCloseCode = CloseCode.MessageTooBig;
      this.#lastError = err;
      this.#events.emit("error", err);
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return;
      this.#clear(openTimer);
      this.#ws = undefined;
      const code = ev.code === CloseCode.Abnormal && localCloseCode ? localCloseCode : ev.code;
      this.#handleClose(code, ev.reason, handshakeError);
    };
  }

  #handleClose(code: number, reason: string, error?: Error, fatalError = false): void {
    this.#stopPing();
    if (this.#stopped) return;
    const upFor = this.#openedAt ? Date.now() - this.#openedAt : 0;
    if (this.#openedAt && upFor >= (this.#o.minUptimeMs ?? 5000)) this.#attempt = 0;
    this.#openedAt = 0;
    this.#attempt++;
    const fatal =
      fatalError ||
      this.#fatal.has(code) ||
      (error instanceof HandshakeError && error.status !== undefined && this.#fatalStatuses.has(error.status));
    let again = this.#o.reconnect !== false && !fatal && this.#attempt <= (this.#o.maxRetries ?? Infinity);
    if (again && this.#o.shouldReconnect) {
      again = this.#o.shouldReconnect({
        code,
        reason,
        attempt: this.#attempt,
        ...(error ? { error: error as WsCoreError } : {}),
      });
    }
    if (!again) {
      this.#lastError ??=
        error ??
        (code === CloseCode.Normal
          ? undefined
          : new ConnectionClosedError(`closed with ${code} ${reason}`.trim(), code, reason));
      this.#stopped = true;
      this.#queue?.clear();
      this.#finish({ code, reason, willReconnect: false });
      return;
    }
    this.#events.emit("close", { code, reason, willReconnect: true });
    this.#setStatus("reconnecting");
    const delay = backoffDelay(this.#attempt, this.#o.backoff, this.#o.random);
    this.#timer(() => void this.#open(), delay);
  }

  #fail(err: Error, fatal: boolean): void {
    this.#lastError = err;
    this.#events.emit("error", err);
    this.#handleClose(CloseCode.Abnormal, err.message, err, fatal);
  }

  #finish(info: CloseInfo): void {
    this.#clearTimers();
    this.#setStatus("closed");
    this.#events.emit("close", info);
    for (const q of this.#iterators) q.end();
    this.#iterators.clear();
    this.#closed.resolve(info);
  }

  #flush(ws: WebSocketLike): void {
    if (!this.#queue) return;
    for (const data of this.#queue.drain()) ws.send(data as Uint8Array<ArrayBuffer>);
  }

  /**
   * Sends made in one go (a burst of requests, replies to a batch of frames) leave in two writes instead of
   * one syscall each: the first goes out at once (a lone request never waits), the rest of the task's sends
   * are corked until its microtasks have run. Only Node's `ws` exposes its socket; browsers batch on their own.
   */
  #batch(ws: WebSocketLike): void {
    if (!this.#sentThisTask) {
      this.#sentThisTask = true;
      queueMicrotask(this.#endTask);
      return;
    }
    if (this.#corked !== undefined) return;
    const s = (ws as { _socket?: NodeSocketLike })._socket;
    if (typeof s?.cork !== "function" || typeof s.uncork !== "function") return;
    s.cork();
    this.#corked = s;
  }

  #dropSocket(code: number, reason: string): void {
    const ws = this.#ws;
    if (!ws) return;
    this.#ws = undefined;
    ws.onopen = ws.onmessage = ws.onclose = null;
    this.#offMessage?.();
    this.#offMessage = undefined;
    // Keep a no-op error listener: closing a CONNECTING `ws` socket emits an error we no longer care about.
    ws.onerror = () => {};
    try {
      ws.close(code, reason);
    } catch {
      // Socket already failing: nothing more to do.
    }
  }

  #startPing(ws: WebSocketLike): void {
    const p = this.#o.ping;
    if (!p) return;
    this.#pingTimer = setInterval(() => {
      if (this.#ws !== ws || ws.readyState !== ReadyState.OPEN) return;
      void resolve(p.message).then((m) => {
        if (this.#ws === ws && ws.readyState === ReadyState.OPEN) ws.send(m as Uint8Array<ArrayBuffer>);
      });
      if (p.timeoutMs !== undefined && this.#pongTimer === undefined) {
        this.#pongTimer = setTimeout(() => {
          this.#pongTimer = undefined;
          if (this.#ws !== ws) return;
          const err = new TimeoutError(`no traffic within ${p.timeoutMs} ms of a ping`, p.timeoutMs ?? 0);
          this.#lastError = err;
          this.#events.emit("error", err);
          this.#dropSocket(CloseCode.Timeout, "ping timeout");
          this.#handleClose(CloseCode.Abnormal, "ping timeout", err);
        }, p.timeoutMs);
      }
    }, p.intervalMs);
  }

  #sawTraffic(): void {
    if (this.#pongTimer !== undefined) {
      clearTimeout(this.#pongTimer);
      this.#pongTimer = undefined;
    }
  }

  #stopPing(): void {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    this.#sawTraffic();
  }

  #setStatus(s: SocketStatus): void {
    if (this.#status === s) return;
    this.#status = s;
    this.#events.emit("status", s);
  }

  #timer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    return t;
  }

  #clear(t: ReturnType<typeof setTimeout>): void {
    clearTimeout(t);
    this.#timers.delete(t);
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

/** The EventEmitter side of Node's `ws` (absent from browsers' WebSocket). */
interface NodeWsEvents {
  on?(event: "message", listener: (data: { toString(): string }, isBinary: boolean) => void): unknown;
  off?(event: "message", listener: (data: { toString(): string }, isBinary: boolean) => void): unknown;
}

interface NodeSocketLike {
  cork(): void;
  uncork(): void;
}

async function resolve<T>(p: Provider<T> | undefined): Promise<T> {
  return (typeof p === "function" ? await (p as () => T | Promise<T>)() : p) as T;
}
