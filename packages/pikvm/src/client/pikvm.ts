import type { WebSocketConstructor } from "@proj/ws-core";
import { APIError, AuthError } from "./errors.js";
import { fetchTransport, type HttpTransport } from "./http.js";
import { loginForToken } from "./login.js";
import { type AuthMode, PiKVMWebSocket, type PiKVMWebSocketOptions } from "./pikvm-websocket.js";
import { toHttpBase } from "./urls.js";

export interface PiKVMOptions {
  user?: string;
  passwd?: string;
  totp?: string;
  /** Verify TLS (Node only). Default false, like aiopikvm's PiKVM: devices ship a self-signed certificate. */
  verifySsl?: boolean;
  ca?: string;
  /** Seconds for REST calls and the default WebSocket open/close timeouts. Default 10. */
  timeout?: number;
  auth?: AuthMode;
  WebSocket?: WebSocketConstructor;
  http?: HttpTransport;
}

export type WsOptions = Omit<
  PiKVMWebSocketOptions,
  "url" | "user" | "passwd" | "totp" | "verifySsl" | "ca" | "WebSocket" | "http"
>;

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: string | Uint8Array;
  contentType?: string;
}

type Query = RequestOptions["query"];

/**
 * A PiKVM device: REST calls in kvmd's `{"ok", "result"}` envelope (401/403 -> AuthError, other errors ->
 * APIError) and `ws()` for the realtime socket. Sends X-KVMD-User/Passwd on every REST call.
 */
export class PiKVM {
  readonly url: string;
  readonly options: PiKVMOptions;
  readonly #sockets = new Set<PiKVMWebSocket>();

  constructor(url: string, options: PiKVMOptions = {}) {
    this.url = toHttpBase(url);
    this.options = options;
  }

  /** Opens `/api/ws`; timeouts default to the client's `timeout`. Closed again by `close()`. */
  async ws(options: WsOptions = {}): Promise<PiKVMWebSocket> {
    const o = this.options;
    const t = o.timeout ?? 10;
    const ws = new PiKVMWebSocket({
      url: this.url,
      user: o.user ?? "admin",
      passwd: o.passwd ?? "",
      ...(o.totp ? { totp: o.totp } : {}),
      verifySsl: o.verifySsl ?? false,
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.auth ? { auth: o.auth } : {}),
      ...(o.WebSocket ? { WebSocket: o.WebSocket } : {}),
      ...(o.http ? { http: o.http } : {}),
      openTimeout: t,
      closeTimeout: t,
      ...options,
    });
    this.#sockets.add(ws);
    ws.on("close", (c) => {
      if (!c.willReconnect) this.#sockets.delete(ws);
    });
    try {
      return await ws.connect();
    } catch (err) {
      this.#sockets.delete(ws);
      throw err;
    }
  }

  /** One REST call; resolves with kvmd's `result`. Non-JSON answers (snapshots) resolve with the bytes. */
  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, options);
    const type = res.headers["content-type"] ?? "";
    if (!type.includes("json")) {
      if (res.status >= 400) throw new APIError(res.status, `HTTP ${res.status} for ${method} ${path}`);
      return res.body as T;
    }
    const text = new TextDecoder().decode(res.body);
    let data: any;
    try {
      data = JSON.parse(text);
    } catch {
      throw new APIError(res.status, `invalid JSON from ${method} ${path}`);
    }
    if (res.status >= 400 || data?.ok === false) {
      const err = data?.result?.error as string | undefined;
      const msg =
        `${method} ${path}: HTTP ${res.status} ${err ?? ""}${data?.result?.error_msg ? `: ${data.result.error_msg}` : ""}`.trim();
      if (res.status === 401 || res.status === 403) throw new AuthError(res.status, msg, err);
      throw new APIError(res.status, msg, err);
    }
    return data?.result as T;
  }

  /** The bare HTTP exchange (status, headers, bytes) with kvmd's auth headers. */
  async raw(method: string, path: string, options: RequestOptions = {}) {
    const o = this.options;
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) qs.set(k, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
    const q = qs.toString();
    const headers: Record<string, string> = {
      "X-KVMD-User": o.user ?? "admin",
      "X-KVMD-Passwd": `${o.passwd ?? ""}${o.totp ?? ""}`,
    };
    if (options.contentType) headers["Content-Type"] = options.contentType;
    return (o.http ?? fetchTransport)({
      method,
      url: `${this.url}${path}${q ? `?${q}` : ""}`,
      headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
      verifySsl: o.verifySsl ?? false,
      ...(o.ca ? { ca: o.ca } : {}),
      timeoutMs: (o.timeout ?? 10) * 1000,
    });
  }

  readonly auth = {
    /** POST /api/auth/login; returns the token where the runtime exposes it (Node). */
    login: (user = this.options.user ?? "admin", passwd = `${this.options.passwd ?? ""}${this.options.totp ?? ""}`) =>
      loginForToken({
        base: this.url,
        user,
        passwd,
        http: this.options.http ?? fetchTransport,
        verifySsl: this.options.verifySsl ?? false,
        ...(this.options.ca ? { ca: this.options.ca } : {}),
        timeoutMs: (this.options.timeout ?? 10) * 1000,
      }),
    check: () => this.request("GET", "/api/auth/check"),
    logout: () => this.request("POST", "/api/auth/logout"),
  };

  /** GET /api/info, optionally only some fields. */
  info(...fields: string[]): Promise<Record<string, any>> {
    return this.request("GET", "/api/info", fields.length ? { query: { fields: fields.join(",") } } : {});
  }

  readonly hid = {
    getState: () => this.request("GET", "/api/hid"),
    getKeymaps: () => this.request("GET", "/api/hid/keymaps"),
    setParams: (p: { keyboardOutput?: string; mouseOutput?: string; jiggler?: boolean }) =>
      this.request("POST", "/api/hid/set_params", {
        query: { keyboard_output: p.keyboardOutput, mouse_output: p.mouseOutput, jiggler: p.jiggler },
      }),
    setConnected: (connected: boolean) => this.request("POST", "/api/hid/set_connected", { query: { connected } }),
    reset: () => this.request("POST", "/api/hid/reset"),
    /** Types text on the device (kvmd `/api/hid/print`). */
    print: (text: string, o: { limit?: number; keymap?: string; slow?: boolean } = {}) =>
      this.request("POST", "/api/hid/print", {
        query: { limit: o.limit, keymap: o.keymap, slow: o.slow } as Query,
        body: text,
        contentType: "text/plain; charset=utf-8",
      }),
    sendKey: (key: string, state?: boolean, finish?: boolean) =>
      this.request("POST", "/api/hid/events/send_key", { query: { key, state, finish } }),
    sendShortcut: (...keys: string[]) =>
      this.request("POST", "/api/hid/events/send_shortcut", { query: { keys: keys.join(",") } }),
    sendMouseButton: (button: string, state?: boolean) =>
      this.request("POST", "/api/hid/events/send_mouse_button", { query: { button, state } }),
    sendMouseMove: (x: number, y: number) =>
      this.request("POST", "/api/hid/events/send_mouse_move", { query: { to_x: x, to_y: y } }),
    sendMouseRelative: (dx: number, dy: number) =>
      this.request("POST", "/api/hid/events/send_mouse_relative", { query: { delta_x: dx, delta_y: dy } }),
    sendMouseWheel: (dx: number, dy: number) =>
      this.request("POST", "/api/hid/events/send_mouse_wheel", { query: { delta_x: dx, delta_y: dy } }),
  };

  readonly atx = {
    getState: () => this.request("GET", "/api/atx"),
    click: (button: "power" | "power_long" | "reset", o: { wait?: boolean } = {}) =>
      this.request("POST", "/api/atx/click", { query: { button, wait: o.wait } }),
    power: (action: "on" | "off" | "off_hard" | "reset_hard", o: { wait?: boolean } = {}) =>
      this.request("POST", "/api/atx/power", { query: { action, wait: o.wait } }),
  };

  readonly streamer = {
    getState: () => this.request("GET", "/api/streamer"),
    /** The current frame as JPEG bytes (kvmd's options; `format: "png"` is the emulator's own). */
    snapshot: async (
      o: { allowOffline?: boolean; save?: boolean; load?: boolean; preview?: boolean; format?: "jpeg" | "png" } = {},
    ): Promise<Uint8Array> => {
      const res = await this.raw("GET", "/api/streamer/snapshot", {
        query: { allow_offline: o.allowOffline, save: o.save, load: o.load, preview: o.preview, format: o.format },
      });
      if (res.status >= 400) throw new APIError(res.status, `snapshot failed: HTTP ${res.status}`);
      return res.body;
    },
    /** The screen's text via kvmd's OCR (`?ocr=1`). */
    ocrText: async (): Promise<string> => {
      const res = await this.raw("GET", "/api/streamer/snapshot", { query: { ocr: 1 } });
      if (res.status >= 400) throw new APIError(res.status, `ocr failed: HTTP ${res.status}`);
      return new TextDecoder().decode(res.body);
    },
  };

  /** Closes every socket opened with `ws()`. */
  async close(): Promise<void> {
    await Promise.all([...this.#sockets].map((s) => s.close()));
    this.#sockets.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
