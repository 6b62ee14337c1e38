import {
  AsyncQueue,
  type BackoffOptions,
  Emitter,
  HandshakeError,
  NotConnectedError,
  ReconnectingSocket,
  type SocketStatus,
  TimeoutError,
  type WebSocketConstructor,
  type WireData,
} from "@proj/ws-core";
import { type ScreenSize, pixelToKvmd } from "../protocol/coordinates.js";
import { type Delta, type PiKVMEvent, parseServerFrame } from "../protocol/events.js";
import { type Keymap, US_KEYMAP } from "../protocol/keymap-us.js";
import { deepMerge } from "../protocol/merge.js";
import {
  AuthError,
  APIError,
  ConnectError,
  ConnectionTimeoutError,
  InvalidInputError,
  PiKVMError,
  WebSocketError,
} from "./errors.js";
import { HeldInputs } from "./held-inputs.js";
import { checkButton, checkKey, type HidFormat, HidFrames } from "./hid-frames.js";
import { fetchTransport, type HttpTransport } from "./http.js";
import { loginForToken } from "./login.js";
import { toHttpBase, toWsUrl } from "./urls.js";

export type AuthMode = "headers" | "cookie" | "basic";

export interface PiKVMWebSocketOptions {
  /** The device's base URL (`https://pikvm.local`, optionally with a path prefix); ws(s):// also accepted. */
  url: string;
  user?: string;
  passwd?: string;
  /** TOTP code appended to the password, as kvmd expects (aiopikvm `totp`). */
  totp?: string;
  /** Verify the TLS certificate (Node only; browsers always verify). Default true, like aiopikvm's PiKVMWebSocket. */
  verifySsl?: boolean;
  /** Extra trusted CA certificate, PEM (Node only): verify a self-signed device without turning verification off. */
  ca?: string;
  /** kvmd's `stream` flag, sent verbatim (`?stream=0` by default like aiopikvm; booleans become 1/0). */
  stream?: number | boolean;
  /** Seconds to wait for the handshake. Default 10. */
  openTimeout?: number;
  /** Seconds to wait for the close handshake. Default 10. */
  closeTimeout?: number;
  /**
   * How to authenticate: `headers` (X-KVMD-User/Passwd; Node), `cookie` (POST /api/auth/login, then the
   * `auth_token` cookie; the only way in browsers), `basic`. Default: headers in Node, cookie in browsers.
   */
  auth?: AuthMode;
  /** HID frame format. Default "json" (like aiopikvm); "binary" is what the web UI sends. */
  hid?: HidFormat;
  /** Reconnect after an unexpected drop (held keys are released after reconnecting). Default false. */
  reconnect?: boolean | { backoff?: BackoffOptions; maxRetries?: number };
  /** Application ping every `intervalMs`; no traffic within `timeoutMs` counts as a dead link. Default off. */
  keepalive?: { intervalMs: number; timeoutMs?: number } | false;
  /** Release held keys and buttons before closing. Default true. */
  releaseOnClose?: boolean;
  /** Events buffered for `events()` while nobody reads (oldest dropped beyond). Default 1024. */
  eventBuffer?: number;
  /** WebSocket constructor: default `globalThis.WebSocket`; in Node pass `NodeWebSocket` (or import from `@proj/pikvm/node`). */
  WebSocket?: WebSocketConstructor;
  /** REST transport for cookie login. Default fetch. */
  http?: HttpTransport;
  signal?: AbortSignal;
}

export interface PingOptions {
  /** Ms to wait for the pong. Default 10000. */
  timeoutMs?: number;
}

export interface TypeTextOptions {
  keymap?: Keymap;
  /** Pause between characters, ms. Default 0. */
  delayMs?: number;
  /** Also send `finish` on presses (kvmd releases at once; helps on lossy links). Default false. */
  finish?: boolean;
}

type Events = {
  event: PiKVMEvent;
  open: undefined;
  /** Reconnected after a drop; `released` lists the keys/buttons released for safety. */
  reconnect: { released: { keys: string[]; buttons: string[] } };
  close: { code: number; reason: string; willReconnect: boolean };
  status: SocketStatus;
};

/** Unanswered keepalive pings remembered at most (oldest forgotten beyond). */
const MAX_PENDING_PINGS = 64;

const isNode = () =>
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string" &&
  typeof (globalThis as { document?: unknown }).document === "undefined";

/**
 * A session on kvmd's `/api/ws`: the realtime event stream plus low-latency HID input (aiopikvm's
 * `PiKVMWebSocket`). Always drains the socket, merges partial state updates into `state`, and keeps
 * track of held keys so that none stays stuck after a drop or close.
 */
export class PiKVMWebSocket {
  readonly options: PiKVMWebSocketOptions;
  readonly #socket: ReconnectingSocket;
  readonly #frames: HidFrames;
  readonly #held = new HeldInputs();
  readonly #events = new Emitter<Events>();
  readonly #queue: AsyncQueue<PiKVMEvent>;
  readonly #pendingJsonPings: Array<(rtt: number) => void> = [];
  readonly #pendingBinaryPings: Array<(rtt: number) => void> = [];
  #state: Record<string, any> = {};
  #version: { major: number; minor: number } | undefined;
  #opens = 0;
  #closing = false;
  #token: string | undefined;
  #malformed = 0;
  /** A refusal while reconnecting (handshake 401/403/400, or the cookie login): ends the session with it. */
  #fatal: PiKVMError | undefined;
  #released: { keys: string[]; buttons: string[] } | undefined;

  constructor(options: PiKVMWebSocketOptions) {
    this.options = options;
    this.#frames = new HidFrames(options.hid ?? "json");
    this.#queue = new AsyncQueue<PiKVMEvent>(options.eventBuffer ?? 1024);
    const wsUrl = toWsUrl(options.url, options.stream ?? 0);
    const reconnect = options.reconnect;
    this.#socket = new ReconnectingSocket({
      url: async () => {
        if (this.#authMode() === "cookie") {
          try {
            this.#token = await this.#login();
          } catch (err) {
            // Refused credentials will not get better by retrying.
            if (err instanceof AuthError) this.#fatal = err;
            throw err;
          }
        }
        return wsUrl;
      },
      wsOptions: () => this.#wsOptions(),
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      autoConnect: false,
      queue: false, // stale keystrokes must never be replayed after a reconnect
      reconnect: Boolean(reconnect),
      ...(typeof reconnect === "object" && reconnect.backoff ? { backoff: reconnect.backoff } : {}),
      ...(typeof reconnect === "object" && reconnect.maxRetries !== undefined
        ? { maxRetries: reconnect.maxRetries }
        : {}),
      // The first connection's failure is reported to connect(); only drops of an open session are retried.
      shouldReconnect: () => this.#opens > 0 && !this.#closing && !this.#fatal,
      // Stuck-key safety: releases for what was held before a drop go out first on the new session.
      onOpen: (send) => this.#releaseHeldOnReconnect(send),
      openTimeoutMs: (options.openTimeout ?? 10) * 1000,
      closeTimeoutMs: (options.closeTimeout ?? 10) * 1000,
      ...(options.keepalive
        ? {
            ping: {
              intervalMs: options.keepalive.intervalMs,
              ...(options.keepalive.timeoutMs !== undefined ? { timeoutMs: options.keepalive.timeoutMs } : {}),
              message: () => {
                // Keep the pong FIFO aligned: this ping's pong must not resolve a caller's ping() early.
                const pending = this.#frames.format === "binary" ? this.#pendingBinaryPings : this.#pendingJsonPings;
                // A server that never answers (kvmd < 4.53 ignores binary pings) must not grow the list forever.
                if (pending.length >= MAX_PENDING_PINGS) pending.shift();
                pending.push(() => {});
                return this.#frames.ping();
              },
            },
          }
        : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    this.#socket.on("message", (data) => this.#onMessage(data));
    this.#socket.on("open", () => this.#onOpen());
    this.#socket.on("close", (info) => this.#onClose(info));
    this.#socket.on("status", (s) => this.#events.emit("status", s));
  }

  /** Connects and resolves once open; refusals become AuthError (401/403) or APIError (400, ...). */
  static async connect(options: PiKVMWebSocketOptions): Promise<PiKVMWebSocket> {
    return new PiKVMWebSocket(options).connect();
  }

  async connect(): Promise<this> {
    this.#socket.connect();
    try {
      await this.#socket.opened();
    } catch (err) {
      throw mapConnectError(err);
    }
    return this;
  }

  get status(): SocketStatus {
    return this.#socket.status;
  }

  get connected(): boolean {
    return this.#socket.status === "open";
  }

  /** kvmd's version from the `loop` event. */
  get version(): { major: number; minor: number } | undefined {
    return this.#version;
  }

  /** Every subsystem's state with partial updates merged in (`hid`, `atx`, `info`, `streamer`, ...). */
  get state(): Readonly<Record<string, any>> {
    return this.#state;
  }

  /** Keys and buttons currently held down by this client. */
  get held(): { keys: string[]; buttons: string[] } {
    return { keys: [...this.#held.keys], buttons: [...this.#held.buttons] };
  }

  /** Bytes queued on the socket but not yet sent: pace bulk input on it (as the web UI coalesces moves). */
  get bufferedAmount(): number {
    return this.#socket.bufferedAmount;
  }

  /** Frames that were neither JSON events nor pongs (skipped, as aiopikvm does). */
  get malformedFrames(): number {
    return this.#malformed;
  }

  /** Events dropped because nobody read `events()` and the buffer was full. */
  get droppedEvents(): number {
    return this.#queue.dropped;
  }

  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Incoming events in order (buffered from the moment of connecting). Ends when the session closes
   * normally; throws WebSocketError when the connection was lost. One consumer at a time.
   */
  events(signal?: AbortSignal): AsyncIterableIterator<PiKVMEvent> {
    const q = this.#queue;
    const done: IteratorResult<PiKVMEvent> = { value: undefined, done: true };
    let stopped = false;
    // Aborting ends this iterator only; the buffer stays for the next events() call.
    const aborted = new Promise<IteratorResult<PiKVMEvent>>((resolve) => {
      if (signal?.aborted) stopped = true;
      signal?.addEventListener(
        "abort",
        () => {
          stopped = true;
          resolve(done);
        },
        { once: true },
      );
    });
    const it: AsyncIterableIterator<PiKVMEvent> = {
      next: () => (stopped ? Promise.resolve(done) : signal ? Promise.race([q.next(), aborted]) : q.next()),
      return: async () => {
        stopped = true;
        return done;
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  /** Resolves with the first event (from now on) that `predicate` accepts; state is already merged then. */
  waitForEvent(predicate: (event: PiKVMEvent) => boolean, options: { timeoutMs?: number } = {}): Promise<PiKVMEvent> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        offClose();
        reject(new TimeoutError(`no matching event within ${timeoutMs} ms`, timeoutMs));
      }, timeoutMs);
      const off = this.#events.on("event", (ev) => {
        if (!predicate(ev)) return;
        clearTimeout(timer);
        off();
        offClose();
        resolve(ev);
      });
      const offClose = this.#events.on("close", (c) => {
        if (c.willReconnect) return;
        clearTimeout(timer);
        off();
        offClose();
        reject(new WebSocketError(`connection closed (${c.code}) before a matching event`, c.code));
      });
    });
  }

  /** Resolves with the merged state once `predicate` holds (checked now, then after every event). */
  async waitForState(
    predicate: (state: Readonly<Record<string, any>>) => boolean,
    options: { timeoutMs?: number } = {},
  ): Promise<Readonly<Record<string, any>>> {
    if (predicate(this.#state)) return this.#state;
    await this.waitForEvent(() => predicate(this.#state), options);
    return this.#state;
  }

  sendKey(key: string, state: boolean, options: { finish?: boolean } = {}): void {
    const k = checkKey(key);
    const finish = Boolean(options.finish && state);
    this.#send(this.#frames.key(k, state, finish));
    this.#held.key(k, state, finish);
  }

  /** Press and release. */
  tapKey(key: string): void {
    this.sendKey(key, true);
    this.sendKey(key, false);
  }

  /** Presses the keys in order and releases them in reverse (e.g. "ControlLeft", "AltLeft", "Delete"). */
  sendShortcut(...keys: string[]): void {
    const ks = keys.map(checkKey);
    for (const k of ks) this.sendKey(k, true);
    for (const k of [...ks].reverse()) this.sendKey(k, false);
  }

  /** Absolute move in kvmd coordinates: -32768..32767 on each axis, (0,0) is the screen centre. */
  sendMouseMove(x: number, y: number): void {
    this.#send(this.#frames.move(x, y));
  }

  /**
   * Absolute move in pixels of the target screen. Without `screen`, the streamer's source resolution from
   * `state.streamer` is used.
   */
  sendMouseMovePixels(x: number, y: number, screen?: ScreenSize): void {
    const s = screen ?? this.#resolution();
    const to = pixelToKvmd(x, y, s);
    this.sendMouseMove(to.x, to.y);
  }

  sendMouseButton(button: string, state: boolean): void {
    const b = checkButton(button);
    this.#send(this.#frames.button(b, state));
    this.#held.button(b, state);
  }

  /** Press and release a button. */
  click(button = "left"): void {
    this.sendMouseButton(button, true);
    this.sendMouseButton(button, false);
  }

  /** Wheel steps (-127..127 each). Positive y scrolls *up* on a usual host (kvmd's web UI sends -5 to scroll down). */
  sendMouseWheel(dx: number, dy: number): void {
    this.#send(this.#frames.deltas("mouse_wheel", [{ x: dx, y: dy }]));
  }

  /** Relative move (-127..127 each axis), for targets with a relative mouse. */
  sendMouseRelative(dx: number, dy: number): void {
    this.#send(this.#frames.deltas("mouse_relative", [{ x: dx, y: dy }]));
  }

  /** Several relative moves in one frame; with `squash` kvmd merges them while they fit in ±127. */
  sendMouseRelativeBatch(deltas: readonly Delta[], squash = false): void {
    this.#send(this.#frames.deltas("mouse_relative", deltas, squash));
  }

  sendMouseWheelBatch(deltas: readonly Delta[], squash = false): void {
    this.#send(this.#frames.deltas("mouse_wheel", deltas, squash));
  }

  /**
   * Types text as key presses on a layout (US by default), holding Shift where needed. Every character is
   * checked first: one the keymap cannot type throws InvalidInputError before anything is sent.
   */
  async typeText(text: string, options: TypeTextOptions = {}): Promise<void> {
    const keymap = options.keymap ?? US_KEYMAP;
    const strokes = [...text].map((ch) => {
      const s = keymap.strokes.get(ch === "\r" ? "\n" : ch);
      if (!s) throw new InvalidInputError(`character ${JSON.stringify(ch)} cannot be typed with keymap ${keymap.name}`);
      return s;
    });
    let shift = false;
    for (const s of strokes) {
      if (s.shift !== shift) {
        this.sendKey("ShiftLeft", s.shift);
        shift = s.shift;
      }
      this.sendKey(s.key, true, { finish: options.finish ?? false });
      if (!options.finish) this.sendKey(s.key, false);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    }
    if (shift) this.sendKey("ShiftLeft", false);
  }

  /** Releases every key and button this client holds. */
  releaseAll(): void {
    const held = this.#held.take();
    if (!this.connected) return;
    for (const frame of this.#frames.releases(held)) this.#send(frame);
  }

  /** Sends a ping (JSON, or binary in binary HID mode) and resolves with the round-trip time in ms. */
  ping(options: PingOptions = {}): Promise<number> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const binary = this.#frames.format === "binary";
    const started = performance.now();
    try {
      this.#send(this.#frames.ping());
    } catch (err) {
      return Promise.reject(err);
    }
    const list = binary ? this.#pendingBinaryPings : this.#pendingJsonPings;
    return new Promise((resolve, reject) => {
      const waiter = (end: number) => {
        clearTimeout(timer);
        offClose();
        resolve(end - started);
      };
      const timer = setTimeout(() => {
        offClose();
        // Keep the place in the FIFO: a late pong is this ping's, not the next caller's.
        const i = list.indexOf(waiter);
        if (i >= 0) list[i] = () => {};
        reject(new TimeoutError(`no pong within ${timeoutMs} ms`, timeoutMs));
      }, timeoutMs);
      // Pending pongs are forgotten on close (#onClose); only this promise needs settling.
      const offClose = this.#events.on("close", (c) => {
        clearTimeout(timer);
        offClose();
        reject(new WebSocketError(`connection closed (${c.code}) before the pong`, c.code));
      });
      list.push(waiter);
    });
  }

  /** Releases held input (unless disabled), then closes with 1000 and waits up to `closeTimeout`. */
  async close(): Promise<void> {
    if (this.#closing) {
      await this.#socket.closed;
      return;
    }
    if (this.options.releaseOnClose !== false && this.connected) this.releaseAll();
    this.#closing = true;
    await this.#socket.close(1000, "");
    this.#queue.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals ----

  #send(frame: WireData): void {
    if (this.#socket.status !== "open") throw new WebSocketError("Not connected", undefined, "NOT_CONNECTED");
    try {
      this.#socket.send(frame);
    } catch (err) {
      // Still "open" while the socket is closing: same answer as when it is gone.
      if (err instanceof NotConnectedError) throw new WebSocketError("Not connected", undefined, "NOT_CONNECTED");
      throw err;
    }
  }

  #onMessage(data: WireData): void {
    if (typeof data !== "string") {
      if (data.length === 1 && data[0] === 0xff) {
        this.#pendingBinaryPings.shift()?.(performance.now());
        return;
      }
      // aiopikvm decodes binary frames as JSON too; kvmd sends none besides the pong.
      try {
        data = new TextDecoder("utf-8", { fatal: true }).decode(data);
      } catch {
        this.#malformed++;
        return;
      }
    }
    const ev = parseServerFrame(data);
    if (!ev) {
      this.#malformed++;
      return;
    }
    if (ev.event_type === "pong") this.#pendingJsonPings.shift()?.(performance.now());
    else if (ev.event_type === "loop") {
      this.#state = {};
      this.#version = ev.event?.version;
    } else {
      this.#state = { ...this.#state, [ev.event_type]: deepMerge(this.#state[ev.event_type], ev.event) };
    }
    this.#queue.push(ev);
    this.#events.emit("event", ev);
  }

  #releaseHeldOnReconnect(send: (data: WireData) => void): void {
    if (this.#opens === 0) return;
    // A new session: kvmd released everything when the old one dropped, but an older kvmd may not have.
    const released = this.#held.take();
    for (const frame of this.#frames.releases(released)) send(frame);
    this.#released = released;
  }

  #onOpen(): void {
    this.#opens++;
    const released = this.#released;
    this.#released = undefined;
    if (released) this.#events.emit("reconnect", { released });
    this.#events.emit("open", undefined);
  }

  #onClose(info: { code: number; reason: string; willReconnect: boolean }): void {
    this.#events.emit("close", info);
    // Pongs of the old connection will never come.
    this.#pendingJsonPings.length = 0;
    this.#pendingBinaryPings.length = 0;
    if (info.willReconnect) return;
    this.#held.take();
    const clean = this.#closing || info.code === 1000 || info.code === 1001;
    if (clean || this.#opens === 0) {
      this.#queue.end();
      return;
    }
    // Reconnecting was refused (credentials changed, token login refused): say so with the typed error.
    const refusal =
      this.#fatal ?? (this.#socket.lastError instanceof HandshakeError ? this.#socket.lastError : undefined);
    this.#queue.end(
      refusal
        ? mapConnectError(refusal)
        : new WebSocketError(`connection lost (${info.code}${info.reason ? ` ${info.reason}` : ""})`, info.code),
    );
  }

  #resolution(): ScreenSize {
    const r = this.#state.streamer?.streamer?.source?.resolution;
    if (!r?.width || !r?.height)
      throw new InvalidInputError("screen size unknown: pass it, or wait for the streamer state");
    return { width: r.width, height: r.height };
  }

  #authMode(): AuthMode {
    return this.options.auth ?? (isNode() ? "headers" : "cookie");
  }

  #passwd(): string {
    return `${this.options.passwd ?? ""}${this.options.totp ?? ""}`;
  }

  async #login(): Promise<string | undefined> {
    return loginForToken({
      base: toHttpBase(this.options.url),
      user: this.options.user ?? "admin",
      passwd: this.#passwd(),
      http: this.options.http ?? fetchTransport,
      verifySsl: this.options.verifySsl ?? true,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
      timeoutMs: (this.options.openTimeout ?? 10) * 1000,
    });
  }

  #wsOptions(): Record<string, unknown> {
    const headers: Record<string, string> = {};
    const mode = this.#authMode();
    const user = this.options.user ?? "admin";
    if (mode === "headers") {
      headers["X-KVMD-User"] = user;
      headers["X-KVMD-Passwd"] = this.#passwd();
    } else if (mode === "basic") {
      headers.Authorization = `Basic ${base64(`${user}:${this.#passwd()}`)}`;
    } else if (this.#token) {
      headers.Cookie = `auth_token=${this.#token}`;
    }
    return {
      headers,
      rejectUnauthorized: this.options.verifySsl ?? true,
      ...(this.options.ca ? { ca: this.options.ca } : {}),
      followRedirects: false,
      perMessageDeflate: false,
    };
  }
}

function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Maps what ws-core reports for a failed first connection onto aiopikvm's error types. */
export function mapConnectError(err: unknown): PiKVMError {
  if (err instanceof PiKVMError) return err;
  if (err instanceof HandshakeError) {
    const status = err.status ?? 0;
    const msg = `Failed to connect: server rejected WebSocket connection: HTTP ${status}`;
    return status === 401 || status === 403
      ? new AuthError(status, msg, undefined, { cause: err })
      : new APIError(status, msg, undefined, "API_ERROR", { cause: err });
  }
  if (err instanceof TimeoutError)
    return new ConnectionTimeoutError(`Failed to connect: ${err.message}`, { cause: err });
  return new ConnectError(`Failed to connect: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
