import { EventEmitter } from "node:events";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import {
  AccessGuard,
  closeHttpServer,
  listen,
  rejectUpgrade,
  requestPath,
  sendHttpError,
  serveStaticFile,
  WsEndpoint,
} from "@proj/ws-core/server";
import { encodeEvent, INFO_FIELDS, type InfoField } from "../protocol/events.js";
import { US_KEYMAP } from "../protocol/keymap-us.js";
import { parseStreamFlag, validBool } from "../protocol/validate.js";
import { KvmdAuth } from "./auth.js";
import { invalidBool, KvmdError, notFound, sendKvmdError } from "./kvmd-error.js";
import { listenerFlag } from "./listener-flag.js";
import { defaults, type PiKVMEmulatorOptions } from "./options.js";
import { EmulatorLog } from "./emulator-log.js";
import { consoleImageSize, drawPointer, renderConsole } from "./render/console-image.js";
import type { RestDeps } from "./rest/context.js";
import { RestRouter } from "./rest/router.js";
import * as states from "./subsystem-states.js";
import { generateSelfSignedCert, type TlsMaterial } from "./tls.js";
import { type AuthInfo, runSession, type SessionContext, type SessionCounters } from "./ws-session.js";
import { VirtualAtx } from "./virtual-atx.js";
import { VirtualConsole } from "./virtual-console.js";
import { type HidInput, VirtualHid } from "./virtual-hid.js";
import { DEFAULT_GPIO, VirtualGpio } from "./virtual-gpio.js";
import { VirtualMsd } from "./virtual-msd.js";
import { VirtualStreamer } from "./virtual-streamer.js";

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Serve HTTPS: `true` makes a self-signed certificate; or give PEM `cert` and `key`. */
  tls?: true | TlsMaterial;
}

export interface EmulatorAddress {
  server: Server;
  host: string;
  port: number;
  /** http(s)://host:port (add basePath yourself when mounting under a prefix). */
  url: string;
  /** ws(s)://host:port */
  wsUrl: string;
  /** The certificate in use when TLS is on (self-signed ones included, so clients can pin it). */
  tls?: TlsMaterial;
}

type EmulatorEvents = {
  /** Every input accepted by the virtual HID. */
  hid: [HidInput];
  /** The virtual console's text after each change. */
  console: [string];
  connection: [SessionContext];
  disconnect: [SessionContext, number];
  /** A frame's handling threw (e.g. a throwing "hid" listener); the session and the server carry on. */
  error: [Error];
};

/**
 * A kvmd-compatible PiKVM emulator: `/api/ws` (auth, events, JSON and binary HID, ping, heartbeat), kvmd's
 * REST subset, and a virtual target (HID state, ATX power, a text console whose snapshot is a PNG).
 * Mount `handleUpgrade` and `handleRequest` on any HTTP server, or call `listen()`.
 */
export class PiKVMEmulator extends EventEmitter<EmulatorEvents> {
  readonly hid: VirtualHid;
  readonly console: VirtualConsole;
  readonly atx: VirtualAtx;
  /** The video: MJPEG viewers, snapshots, stream params. */
  readonly streamer: VirtualStreamer;
  /** What `GET /api/log` shows (logins, sessions, absolute mouse moves, ATX and streamer actions). */
  readonly log: EmulatorLog;
  /** Virtual media: images in `msdDir` (a temporary directory by default). */
  readonly msd: VirtualMsd;
  /** User GPIO channels (the `gpio` option's model). */
  readonly gpio: VirtualGpio;
  readonly auth: KvmdAuth;
  readonly endpoint: WsEndpoint<SessionContext>;
  readonly counters: SessionCounters = { malformed: 0, unknown: 0, invalid: 0, errors: 0 };
  readonly basePath: string;
  readonly version: { major: number; minor: number };
  readonly #o: PiKVMEmulatorOptions;
  readonly #rest: RestRouter;
  readonly #startedAt = Date.now();
  readonly #hidListeners = listenerFlag(this, "hid");
  #uptimeTimer: ReturnType<typeof setInterval> | undefined;
  #address: EmulatorAddress | undefined;
  #access: AccessGuard | undefined;

  constructor(options: PiKVMEmulatorOptions = {}) {
    super();
    this.#o = options;
    this.basePath = requestPath(options.basePath || "/").replace(/\/$/, "");
    this.version = options.version ?? defaults.version;
    this.auth = new KvmdAuth({
      users: options.users ?? { [options.user ?? defaults.user]: options.passwd ?? defaults.passwd },
      enabled: options.authEnabled ?? true,
    });
    this.hid = new VirtualHid({
      logLimit: options.hidLogLimit ?? 1000,
      onInput: (input) => this.#onInput(input),
      jigglerEnabled: options.jigglerEnabled ?? true,
    });
    this.console = new VirtualConsole(options.console);
    this.log = new EmulatorLog(options.logLimit ?? defaults.logLimit);
    this.msd = new VirtualMsd({
      ...(options.msdDir ? { dir: options.msdDir } : {}),
      storageBytes: options.msdStorageBytes ?? defaults.msdStorageBytes,
    });
    this.gpio = new VirtualGpio(options.gpio ?? DEFAULT_GPIO);
    this.streamer = new VirtualStreamer({
      render: () => this.#renderScreen(),
      online: () => this.console.powered,
      ...(options.streamKeepaliveMs !== undefined ? { keepaliveMs: options.streamKeepaliveMs } : {}),
      maxClients: options.maxStreamClients ?? defaults.maxStreamClients,
    });
    this.atx = new VirtualAtx({ clickDelayMs: options.atxClickDelayMs ?? defaults.atxClickDelayMs });
    this.#access = this.#buildAccess(undefined);
    this.endpoint = new WsEndpoint<SessionContext>({
      access: false, // the emulator's own guard runs first in handleUpgrade (listen() may rebuild it for its bind)
      maxPayload: options.maxPayload ?? defaults.maxPayload,
      heartbeat: false, // aiohttp-style heartbeat runs per session (ws-session.ts)
      slowConsumer: { policy: "disconnect", highWaterMark: options.slowConsumerBytes ?? defaults.slowConsumerBytes },
      authenticate: (req) => this.#authenticate(req),
    });
    this.#rest = new RestRouter(this.#restDeps());
    this.#wire();
  }

  /** Open /api/ws sessions. */
  get sessions(): number {
    return this.endpoint.connections.size;
  }

  /** Sessions with `stream=true` (kvmd's `clients.count`). */
  get viewers(): number {
    let n = 0;
    for (const c of this.endpoint.connections) if (c.ctx.stream) n++;
    return n;
  }

  get address(): EmulatorAddress | undefined {
    return this.#address;
  }

  /** The Host and Origin policy in front of REST, static files and upgrades (undefined with `access: false`). */
  get access(): AccessGuard | undefined {
    return this.#access;
  }

  /** Takes an HTTP upgrade; refuses a foreign Host or Origin with 403, paths other than `<basePath>/api/ws` with 404. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const refused = this.#refusal(req);
    if (refused) {
      rejectUpgrade(socket, refused);
      return;
    }
    // Paths are matched like aiohttp's normalize_path_middleware: merged slashes, no trailing slash, decoded.
    if (requestPath(req.url) !== `${this.basePath}/api/ws`) {
      rejectUpgrade(socket, notFound());
      return;
    }
    this.endpoint.handleUpgrade(req, socket, head).catch((err) => {
      this.#reportError(err as Error);
      socket.destroy();
    });
  };

  /**
   * Answers a plain HTTP request under `<basePath>`; resolves false (without answering) for other paths so a
   * shared server can pass the request on.
   */
  readonly handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = requestPath(req.url);
    if (this.basePath && path !== this.basePath && !path.startsWith(`${this.basePath}/`)) return false;
    const rel = path.slice(this.basePath.length) || "/";
    const refused = this.#refusal(req);
    if (refused) {
      sendKvmdError(res, refused);
      return true;
    }
    // CORS headers (and preflights) for origins listed in `access.allowedOrigins`; nothing for same-origin pages.
    if (this.#access?.handleRequest(req, res)) return true;
    if (rel === "/api/ws") {
      // aiohttp's answer to a non-upgrade request on a WebSocket route.
      res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("No WebSocket UPGRADE hdr");
      return true;
    }
    if (rel === "/api" || rel.startsWith("/api/")) {
      await this.#rest.handle(req, res, rel.slice(4), requestUrl(req));
      return true;
    }
    if (rel === "/streamer/stream") {
      this.#stream(req, res);
      return true;
    }
    if (!this.#o.staticDir) return false;
    // As nginx on a device: every page but the login page and shared assets needs a login, else /login/.
    if (this.auth.enabled && !PUBLIC_PATH.test(rel)) {
      try {
        this.auth.check(req);
      } catch {
        res.writeHead(302, { Location: `${this.basePath}/login/`, "Content-Length": 0 });
        res.end();
        return true;
      }
    }
    return serveStaticFile(this.#o.staticDir, rel, req, res);
  };

  /** Sends one event to every session (Python json.dumps framing, serialised once). */
  broadcastEvent(eventType: string, event: unknown): number {
    return this.endpoint.broadcast(encodeEvent(eventType, event));
  }

  /** The screen as a PNG (console and pointer) at the stream's resolution. */
  snapshotPng(): Buffer {
    return this.streamer.snapshotPng();
  }

  /** The screen at its native size: the console's text and the mouse pointer at the absolute position. */
  #renderScreen() {
    const img = renderConsole(this.console.powered ? this.console.lines : [], {
      cols: this.console.cols,
      rows: this.console.rows,
    });
    const p = this.streamer ? this.streamer.pixelOf(this.hid.mouse.x, this.hid.mouse.y) : { x: 0, y: 0 };
    if (this.console.powered) drawPointer(img, p.x, p.y);
    return img;
  }

  /** `GET /streamer/stream`: MJPEG of the screen for a logged-in viewer (uStreamer's `key`, `advance_headers`). */
  #stream(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.auth.check(req);
    } catch (err) {
      sendKvmdError(res, err instanceof KvmdError ? err : new KvmdError(401, "UnauthorizedError", "Unauthorized"));
      return;
    }
    const q = requestUrl(req).searchParams;
    const flag = (name: string) => validBool(q.get(name) ?? "0") === true;
    const ok = this.streamer.addClient(res, {
      key: (q.get("key") ?? "").slice(0, 64),
      advanceHeaders: flag("advance_headers"),
      dualFinalFrames: flag("dual_final_frames"),
    });
    if (!ok) sendKvmdError(res, new KvmdError(503, "UnavailableError", "Too many stream clients"));
  }

  /** Types text through the virtual HID with the US layout (like `/api/hid/print`); returns characters typed. */
  typeText(text: string): number {
    let n = 0;
    for (const ch of text) {
      const s = US_KEYMAP.strokes.get(ch);
      if (!s) continue;
      if (s.shift) this.hid.key("ShiftLeft", true, false, "rest");
      this.hid.key(s.key, true, false, "rest");
      this.hid.key(s.key, false, false, "rest");
      if (s.shift) this.hid.key("ShiftLeft", false, false, "rest");
      n++;
    }
    return n;
  }

  info(): Record<InfoField, unknown> {
    return states.infoFields(this.#staticOptions(), this.auth.enabled);
  }

  /** Starts a standalone HTTP(S) server with this emulator at its root (or under basePath). */
  async listen(options: ListenOptions = {}): Promise<EmulatorAddress> {
    if (this.#address) throw new Error("already listening");
    const host = options.host ?? "127.0.0.1";
    const tls = options.tls === true ? await generateSelfSignedCert({ hosts: hostsFor(options.host) }) : options.tls;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      this.handleRequest(req, res).then(
        (handled) => {
          if (!handled) sendHttpError(res, notFound());
        },
        () => res.destroy(),
      );
    };
    const server = (
      tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createHttpServer(onRequest)
    ) as Server;
    server.on("upgrade", this.handleUpgrade);
    this.#access = this.#buildAccess(host);
    const l = await listen(server, { host, port: options.port ?? 0 });
    this.#address = { server, host: l.host, port: l.port, url: l.url, wsUrl: l.wsUrl, ...(tls ? { tls } : {}) };
    return this.#address;
  }

  /** Closes every session with 1000 (as kvmd does on shutdown), then the standalone server if any. */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    clearInterval(this.#uptimeTimer);
    this.#uptimeTimer = undefined;
    this.streamer.close();
    this.gpio.close();
    const server = this.#address?.server;
    const httpClosed = server ? closeHttpServer(server) : Promise.resolve();
    await this.endpoint.close({ code: 1000, reason: "server shutting down", graceMs: options.graceMs ?? 2000 });
    await httpClosed;
    await this.msd.close();
    this.#address = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals ----

  /** The guard for a server bound to `bindHost` (the `access` option's own bindHost wins). */
  #buildAccess(bindHost: string | undefined): AccessGuard | undefined {
    const a = this.#o.access;
    if (a === false) return undefined;
    if (a instanceof AccessGuard) return a;
    return new AccessGuard({
      cors: { headers: "Content-Type, Authorization, X-KVMD-User, X-KVMD-Passwd" },
      ...a,
      bindHost: a?.bindHost ?? bindHost ?? "127.0.0.1",
    });
  }

  /** A request the access guard refuses, as kvmd would render aiohttp's HTTPForbidden; undefined when it may pass. */
  #refusal(req: IncomingMessage): KvmdError | undefined {
    const guard = this.#access;
    if (!guard?.check(req)) return undefined;
    const msg = !guard.hostAllowed(req)
      ? `Host not allowed: ${req.headers.host}`
      : !guard.originAllowed(req)
        ? `Origin not allowed: ${req.headers.origin}`
        : "Cross-site request refused";
    return new KvmdError(403, "HTTPForbidden", msg);
  }

  #authenticate(req: IncomingMessage): SessionContext {
    const who: AuthInfo = this.auth.check(req);
    const raw = requestUrl(req).searchParams.get("stream");
    const stream = parseStreamFlag(raw);
    if (stream === undefined) throw invalidBool(String(raw));
    if (this.endpoint.connections.size >= (this.#o.maxClients ?? defaults.maxClients)) {
      throw new KvmdError(503, "TooManyClientsError", "Too many WebSocket clients");
    }
    return { ...who, stream };
  }

  #wire(): void {
    // An unexpected throw while authenticating: the upgrade is refused with 500, the server carries on.
    this.endpoint.on("error", (err) => this.#reportError(err));
    this.endpoint.on("connection", (conn) => {
      const hb = this.#o.heartbeatMs ?? defaults.heartbeatMs;
      runSession(conn, this.hid, {
        heartbeatMs: hb,
        heartbeatTimeoutMs: this.#o.heartbeatTimeoutMs ?? hb / 2,
        counters: this.counters,
        onError: (err) => this.#reportError(err),
      });
      // kvmd releases all keys/buttons on every connect and disconnect (`hid.clear_events()`).
      this.hid.releaseAll("connect");
      conn.send(encodeEvent("loop", { version: this.version }));
      for (const [type, event] of this.fullStateEvents()) this.broadcastEvent(type, event);
      this.log.info(
        "kvmd.apps.kvmd.server",
        `Registered new client session (user=${conn.ctx.user || "-"}, stream=${conn.ctx.stream}); clients now: ${this.sessions}`,
      );
      this.#startUptime();
      this.emit("connection", conn.ctx);
    });
    this.endpoint.on("disconnect", (conn, code) => {
      this.hid.releaseAll("disconnect");
      this.log.info("kvmd.apps.kvmd.server", `Removed client session (code ${code}); clients now: ${this.sessions}`);
      this.broadcastEvent("clients", { count: this.viewers });
      this.emit("disconnect", conn.ctx, code);
    });
    this.hid.on("state", () => this.broadcastEvent("hid", this.hid.state()));
    this.atx.on("state", () => this.broadcastEvent("atx", this.atx.state()));
    this.atx.on("power", (on) => {
      this.log.info("kvmd.plugins.atx", `Target power ${on ? "on" : "off"}`);
      this.console.setPowered(on);
    });
    this.console.on("change", () => this.streamer.changed());
    this.streamer.on("state", (partial) => this.broadcastEvent("streamer", partial));
    this.msd.on("state", () => this.broadcastEvent("msd", this.msd.state()));
    this.gpio.on("state", (diff) => this.broadcastEvent("gpio", diff));
    this.atx.on("reset", () => this.console.reset());
    // The console's text is only assembled for "console" listeners, and only while there are some.
    const onConsole = () => {
      try {
        this.emit("console", this.console.text);
      } catch (err) {
        this.#reportError(err as Error);
      }
    };
    const untyped = this as unknown as EventEmitter;
    untyped.on("newListener", (event: string) => {
      if (event === "console" && this.listenerCount("console") === 0) this.console.on("change", onConsole);
    });
    untyped.on("removeListener", (event: string) => {
      if (event === "console" && this.listenerCount("console") === 0) this.console.off("change", onConsole);
    });
  }

  /** Every accepted input: echoed on the console, then passed to "hid" listeners (if any). */
  #onInput(input: HidInput): void {
    if (input.type === "key" && input.state) this.console.press(input.key, this.hid.keys, this.hid.leds.caps);
    else if (input.type === "mouse_move") {
      const p = this.streamer.pixelOf(input.x, input.y);
      const { width, height } = this.streamer.native;
      this.log.info(
        "kvmd.apps.kvmd.hid",
        `Mouse move to (${input.x}, ${input.y}) = pixel (${p.x}, ${p.y}) of ${width}x${height}`,
      );
      this.streamer.changed();
    }
    if (!this.#hidListeners.active) return;
    try {
      this.emit("hid", input);
    } catch (err) {
      this.#reportError(err as Error);
    }
  }

  /** A user listener threw: counted and passed to "error" listeners, never allowed to crash the server. */
  #reportError(err: Error): void {
    this.counters.errors++;
    if (this.listenerCount("error") > 0) this.emit("error", err);
  }

  /** Every subsystem's full state, in the order this emulator sends them after `loop`. */
  fullStateEvents(): Array<[string, unknown]> {
    const so = this.#staticOptions();
    const info = states.infoFields(so, this.auth.enabled);
    return [
      ["gpio", this.gpio.state()],
      ["hid", this.hid.state()],
      ["atx", this.atx.state()],
      ["msd", this.msd.state()],
      ["streamer", this.streamer.state()],
      ["ocr", states.ocrState()],
      ...INFO_FIELDS.map((f): [string, unknown] => ["info", { [f]: info[f] }]),
      ["switch", states.switchState()],
      ["hid_keymaps", states.keymapsState()],
      ["clients", { count: this.viewers }],
    ];
  }

  #startUptime(): void {
    const every = this.#o.uptimeIntervalMs ?? defaults.uptimeIntervalMs;
    if (!every || this.#uptimeTimer) return;
    this.#uptimeTimer = setInterval(() => {
      if (this.sessions > 0) this.broadcastEvent("info", { uptime: states.uptime(this.#startedAt) });
    }, every);
    this.#uptimeTimer.unref();
  }

  #staticOptions(): states.StaticStatesOptions {
    return {
      version: this.version,
      host: this.#o.hostName ?? defaults.hostName,
      resolution: consoleImageSize({ cols: this.console.cols, rows: this.console.rows }),
      startedAt: this.#startedAt,
    };
  }

  #restDeps(): RestDeps {
    return {
      auth: this.auth,
      hid: this.hid,
      atx: this.atx,
      console: this.console,
      info: () => this.info(),
      states: {
        streamer: () => this.streamer.state(),
        ocr: states.ocrState,
        switch: states.switchState,
        keymaps: states.keymapsState,
      },
      snapshotPng: () => this.snapshotPng(),
      streamer: this.streamer,
      msd: this.msd,
      gpio: this.gpio,
      log: this.log,
      typeText: (t) => this.typeText(t),
      maxBodyBytes: this.#o.maxBodyBytes ?? defaults.maxBodyBytes,
    };
  }
}

/** Creates an emulator and starts it standalone. */
export async function startPiKVMEmulator(
  options: PiKVMEmulatorOptions & ListenOptions = {},
): Promise<PiKVMEmulator & { address: EmulatorAddress }> {
  const { host, port, tls, ...rest } = options;
  const emu = new PiKVMEmulator(rest);
  await emu.listen({
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(tls ? { tls } : {}),
  });
  return emu as PiKVMEmulator & { address: EmulatorAddress };
}

/** The request's query string as a URL (for `searchParams`); paths are taken with ws-core's `requestPath`. */
export function requestUrl(req: IncomingMessage): URL {
  const raw = req.url ?? "/";
  const q = raw.indexOf("?");
  return new URL(`http://x/${q < 0 ? "" : raw.slice(q)}`);
}

/** Paths nginx serves without a login on a device. */
const PUBLIC_PATH = /^\/(login(\/.*)?|share\/.*|favicon\.ico|robots\.txt)$/;

function hostsFor(host: string | undefined): string[] {
  const out = ["127.0.0.1", "localhost"];
  if (host && !out.includes(host) && host !== "0.0.0.0" && host !== "::") out.push(host);
  return out;
}
