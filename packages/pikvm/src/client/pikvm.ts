import type { WebSocketConstructor } from "@proj/ws-core";
import type { z } from "zod";
import * as S from "../protocol/rest-schemas.js";
import { APIError, AuthError, InvalidInputError } from "./errors.js";
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

/** Per-call options every resource method takes as its last argument. */
export interface CallOptions {
  /** Extra request headers (kvmd's auth headers are added unless given here). */
  headers?: Record<string, string>;
  /** Seconds for this call instead of the client's `timeout`. */
  timeout?: number;
  signal?: AbortSignal;
}

export interface RequestOptions extends CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: string | Uint8Array | AsyncIterable<Uint8Array>;
  contentType?: string;
  /** Checks kvmd's `result` against this schema (a mismatch is an APIError with error "InvalidResponse"). */
  schema?: z.ZodType;
}

export interface UploadOptions extends CallOptions {
  /** The image's size in bytes (required for a streamed body; known for bytes). */
  size?: number;
  /** Called as the upload goes, with bytes sent so far. */
  onProgress?: (sent: number, size: number) => void;
  prefix?: string;
  removeIncomplete?: boolean;
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
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
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
    if (options.schema) {
      const parsed = options.schema.safeParse(data?.result);
      if (!parsed.success)
        throw new APIError(
          res.status,
          `unexpected ${method} ${path} result: ${parsed.error.message}`,
          "InvalidResponse",
        );
      return parsed.data as T;
    }
    return data?.result as T;
  }

  /** A REST call whose answer streams (log follow): yields text lines as they arrive, ends with `signal`. */
  async *lines(method: string, path: string, options: RequestOptions = {}): AsyncGenerator<string> {
    const res = await this.raw(method, path, { ...options, stream: true });
    if (res.status >= 400) {
      for await (const _ of res.stream ?? []) break;
      throw res.status === 401 || res.status === 403
        ? new AuthError(res.status, `${method} ${path}: HTTP ${res.status}`)
        : new APIError(res.status, `${method} ${path}: HTTP ${res.status}`);
    }
    const dec = new TextDecoder();
    let buf = "";
    try {
      for await (const chunk of res.stream ?? [res.body]) {
        buf += dec.decode(chunk, { stream: true });
        let i = buf.indexOf("\n");
        while (i >= 0) {
          yield buf.slice(0, i).replace(/\r$/, "");
          buf = buf.slice(i + 1);
          i = buf.indexOf("\n");
        }
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    }
    if (buf) yield buf;
  }

  /** The bare HTTP exchange (status, headers, bytes) with kvmd's auth headers. */
  async raw(method: string, path: string, options: RequestOptions & { stream?: boolean } = {}) {
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
    Object.assign(headers, options.headers);
    return (o.http ?? fetchTransport)({
      method,
      url: `${this.url}${path}${q ? `?${q}` : ""}`,
      headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.stream ? { stream: true } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      verifySsl: o.verifySsl ?? false,
      ...(o.ca ? { ca: o.ca } : {}),
      timeoutMs: (options.timeout ?? o.timeout ?? 10) * 1000,
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
    check: (c: CallOptions = {}) => this.request("GET", "/api/auth/check", { ...c, schema: S.emptyResultSchema }),
    logout: (c: CallOptions = {}) => this.request("POST", "/api/auth/logout", { ...c, schema: S.emptyResultSchema }),
  };

  /** GET /api/info, optionally only some fields (kvmd's legacy answer; `{ legacy: false }` for the new one). */
  info(...args: Array<string | (CallOptions & { legacy?: boolean })>): Promise<Record<string, any>> {
    const { fields, call } = splitArgs(args);
    const legacy = (call as { legacy?: boolean }).legacy;
    return this.request("GET", "/api/info", {
      ...call,
      query: { ...(fields.length ? { fields: fields.join(",") } : {}), legacy },
      schema: S.infoSchema,
    });
  }

  readonly hid = {
    getState: (c: CallOptions = {}) => this.request<S.HidState>("GET", "/api/hid", { ...c, schema: S.hidStateSchema }),
    getKeymaps: (c: CallOptions = {}) =>
      this.request<z.infer<typeof S.keymapsSchema>>("GET", "/api/hid/keymaps", { ...c, schema: S.keymapsSchema }),
    getInactivity: (c: CallOptions = {}) =>
      this.request<z.infer<typeof S.inactivitySchema>>("GET", "/api/hid/inactivity", {
        ...c,
        schema: S.inactivitySchema,
      }),
    setParams: (p: { keyboardOutput?: string; mouseOutput?: string; jiggler?: boolean }, c: CallOptions = {}) =>
      this.#ok("POST", "/api/hid/set_params", c, {
        keyboard_output: p.keyboardOutput,
        mouse_output: p.mouseOutput,
        jiggler: p.jiggler,
      }),
    setConnected: (connected: boolean, c: CallOptions = {}) =>
      this.#ok("POST", "/api/hid/set_connected", c, { connected }),
    reset: (c: CallOptions = {}) => this.#ok("POST", "/api/hid/reset", c),
    /** Types text on the device (kvmd `/api/hid/print`). */
    print: (text: string, o: { limit?: number; keymap?: string; slow?: boolean } & CallOptions = {}) =>
      this.request("POST", "/api/hid/print", {
        ...o,
        query: { limit: o.limit, keymap: o.keymap, slow: o.slow } as Query,
        body: text,
        contentType: "text/plain; charset=utf-8",
        schema: S.emptyResultSchema,
      }),
    sendKey: (key: string, state?: boolean, finish?: boolean, c: CallOptions = {}) =>
      this.#ok("POST", "/api/hid/events/send_key", c, { key, state, finish }),
    /** Presses the keys in order and releases them in reverse; a last `{ wait }` spaces the events (ms). */
    sendShortcut: (...args: Array<string | (CallOptions & { wait?: number })>) => {
      const { fields: keys, call } = splitArgs(args);
      const wait = (call as { wait?: number }).wait;
      return this.#ok("POST", "/api/hid/events/send_shortcut", call, { keys: keys.join(","), wait });
    },
    sendMouseButton: (button: string, state?: boolean, c: CallOptions = {}) =>
      this.#ok("POST", "/api/hid/events/send_mouse_button", c, { button, state }),
    sendMouseMove: (x: number, y: number, c: CallOptions = {}) =>
      this.#ok("POST", "/api/hid/events/send_mouse_move", c, { to_x: x, to_y: y }),
    sendMouseRelative: (dx: number, dy: number, c: CallOptions = {}) =>
      this.#ok("POST", "/api/hid/events/send_mouse_relative", c, { delta_x: dx, delta_y: dy }),
    sendMouseWheel: (dx: number, dy: number, c: CallOptions = {}) =>
      this.#ok("POST", "/api/hid/events/send_mouse_wheel", c, { delta_x: dx, delta_y: dy }),
  };

  readonly atx = {
    getState: (c: CallOptions = {}) => this.request<S.AtxState>("GET", "/api/atx", { ...c, schema: S.atxStateSchema }),
    click: (button: "power" | "power_long" | "reset", o: { wait?: boolean } & CallOptions = {}) =>
      this.#ok("POST", "/api/atx/click", o, { button, wait: o.wait }),
    power: (action: "on" | "off" | "off_hard" | "reset_hard", o: { wait?: boolean } & CallOptions = {}) =>
      this.#ok("POST", "/api/atx/power", o, { action, wait: o.wait }),
  };

  readonly streamer = {
    getState: (c: CallOptions = {}) =>
      this.request<S.StreamerState>("GET", "/api/streamer", { ...c, schema: S.streamerStateSchema }),
    setParams: (p: { quality?: number; desiredFps?: number; resolution?: string }, c: CallOptions = {}) =>
      this.#ok("POST", "/api/streamer/set_params", c, {
        quality: p.quality,
        desired_fps: p.desiredFps,
        resolution: p.resolution,
      }),
    reset: (c: CallOptions = {}) => this.#ok("POST", "/api/streamer/reset", c),
    /** The current frame as JPEG bytes (kvmd's options; `format: "png"` is the emulator's own). */
    snapshot: async (
      o: {
        allowOffline?: boolean;
        save?: boolean;
        load?: boolean;
        preview?: boolean;
        previewMaxWidth?: number;
        previewMaxHeight?: number;
        previewQuality?: number;
        format?: "jpeg" | "png";
      } & CallOptions = {},
    ): Promise<Uint8Array> => {
      const res = await this.raw("GET", "/api/streamer/snapshot", {
        ...o,
        query: {
          allow_offline: o.allowOffline,
          save: o.save,
          load: o.load,
          preview: o.preview,
          preview_max_width: o.previewMaxWidth,
          preview_max_height: o.previewMaxHeight,
          preview_quality: o.previewQuality,
          format: o.format,
        },
      });
      if (res.status >= 400) throw new APIError(res.status, `snapshot failed: HTTP ${res.status}`);
      return res.body;
    },
    /** Forgets the saved snapshot (DELETE /api/streamer/snapshot). */
    deleteSnapshot: (c: CallOptions = {}) => this.#ok("DELETE", "/api/streamer/snapshot", c),
    getOcrInfo: (c: CallOptions = {}) =>
      this.request<z.infer<typeof S.ocrInfoSchema>>("GET", "/api/streamer/ocr", { ...c, schema: S.ocrInfoSchema }),
    /** The screen's text via kvmd's OCR, optionally of a rectangle (stream pixels) and with languages. */
    ocr: async (
      o: { langs?: string[]; left?: number; top?: number; right?: number; bottom?: number } & CallOptions = {},
    ): Promise<string> => {
      const res = await this.raw("GET", "/api/streamer/snapshot", {
        ...o,
        query: {
          ocr: 1,
          ocr_langs: o.langs?.join(","),
          ocr_left: o.left,
          ocr_top: o.top,
          ocr_right: o.right,
          ocr_bottom: o.bottom,
        },
      });
      if (res.status >= 400) throw new APIError(res.status, `ocr failed: HTTP ${res.status}`);
      return new TextDecoder().decode(res.body);
    },
    /** The screen's text via kvmd's OCR (`?ocr=1`). */
    ocrText: (c: CallOptions = {}) => this.streamer.ocr(c),
  };

  readonly msd = {
    getState: (c: CallOptions = {}) => this.request<S.MsdState>("GET", "/api/msd", { ...c, schema: S.msdStateSchema }),
    setParams: (p: { image?: string; cdrom?: boolean; rw?: boolean }, c: CallOptions = {}) =>
      this.#ok("POST", "/api/msd/set_params", c, { image: p.image, cdrom: p.cdrom, rw: p.rw }),
    setConnected: (connected: boolean, c: CallOptions = {}) =>
      this.#ok("POST", "/api/msd/set_connected", c, { connected }),
    /** Uploads an image, streamed in chunks; `onProgress` follows the bytes sent. */
    upload: (
      name: string,
      data: Uint8Array | AsyncIterable<Uint8Array>,
      o: UploadOptions = {},
    ): Promise<z.infer<typeof S.msdWriteSchema>> => {
      const size = data instanceof Uint8Array ? data.length : o.size;
      if (size === undefined) throw new InvalidInputError("msd.upload: give `size` for a streamed body");
      let sent = 0;
      const chunks = async function* () {
        const source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
          data instanceof Uint8Array
            ? Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) =>
                data.subarray(i * 65536, (i + 1) * 65536),
              )
            : data;
        for await (const c of source) {
          sent += c.length;
          yield c;
          o.onProgress?.(sent, size);
        }
      };
      return this.request("POST", "/api/msd/write", {
        ...o,
        headers: { "Content-Length": String(size), ...o.headers },
        query: { image: name, prefix: o.prefix, remove_incomplete: o.removeIncomplete },
        body: chunks(),
        contentType: "application/octet-stream",
        schema: S.msdWriteSchema,
      });
    },
    /** Asks the device to download an image (the emulator refuses: it is offline). */
    uploadRemote: (url: string, o: { image?: string; insecure?: boolean } & CallOptions = {}) =>
      this.request("POST", "/api/msd/write_remote", {
        ...o,
        query: { url, image: o.image, insecure: o.insecure },
      }),
    remove: (image: string, c: CallOptions = {}) => this.#ok("POST", "/api/msd/remove", c, { image }),
    reset: (c: CallOptions = {}) => this.#ok("POST", "/api/msd/reset", c),
  };

  readonly gpio = {
    getState: (c: CallOptions = {}) =>
      this.request<S.GpioState>("GET", "/api/gpio", { ...c, schema: S.gpioStateSchema }),
    switch: (channel: string, state: boolean, o: { wait?: boolean } & CallOptions = {}) =>
      this.#ok("POST", "/api/gpio/switch", o, { channel, state, wait: o.wait }),
    pulse: (channel: string, o: { delay?: number; wait?: boolean } & CallOptions = {}) =>
      this.#ok("POST", "/api/gpio/pulse", o, { channel, delay: o.delay, wait: o.wait }),
  };

  readonly system = {
    getInfo: (...args: Array<string | (CallOptions & { legacy?: boolean })>) => this.info(...args),
    /** The log of the last `seek` seconds (all kept lines by default). */
    getLog: async (o: { seek?: number } & CallOptions = {}): Promise<string> => {
      const res = await this.raw("GET", "/api/log", { ...o, query: { seek: o.seek } });
      if (res.status >= 400) throw new APIError(res.status, `log failed: HTTP ${res.status}`);
      return new TextDecoder().decode(res.body);
    },
    /** Follows the log: lines as they are written, until `signal` aborts. */
    streamLog: (o: { seek?: number } & CallOptions = {}) =>
      this.lines("GET", "/api/log", { ...o, query: { seek: o.seek, follow: true } }),
  };

  readonly prometheus = {
    getMetrics: async (c: CallOptions = {}): Promise<string> => {
      const res = await this.raw("GET", "/api/export/prometheus/metrics", c);
      if (res.status >= 400) throw new APIError(res.status, `metrics failed: HTTP ${res.status}`);
      return new TextDecoder().decode(res.body);
    },
  };

  /** A call answered with kvmd's empty result. */
  #ok(method: string, path: string, c: CallOptions, query?: Query): Promise<Record<string, unknown>> {
    return this.request(method, path, {
      ...(c.headers ? { headers: c.headers } : {}),
      ...(c.timeout !== undefined ? { timeout: c.timeout } : {}),
      ...(c.signal ? { signal: c.signal } : {}),
      ...(query ? { query } : {}),
      schema: S.emptyResultSchema,
    });
  }

  /** Closes every socket opened with `ws()`. */
  async close(): Promise<void> {
    await Promise.all([...this.#sockets].map((s) => s.close()));
    this.#sockets.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Strings first, then an optional options object last (variadic methods such as `info` and `sendShortcut`). */
function splitArgs<T extends object>(args: Array<string | T>): { fields: string[]; call: T } {
  const last = args.at(-1);
  const call = (typeof last === "object" ? last : {}) as T;
  return { fields: args.filter((a): a is string => typeof a === "string"), call };
}
