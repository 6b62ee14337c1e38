import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { CloseCode } from "@proj/ws-core";
import {
  AccessGuard,
  closeHttpServer,
  type Connection,
  HttpError,
  listen,
  rejectUpgrade,
  sendHttpError,
  WsEndpoint,
} from "@proj/ws-core/server";
import { decodeEvent } from "../protocol/codec.js";
import { pathUnder, requestUrl } from "./base-path.js";
import { globMatch } from "./glob.js";
import { HttpRoutes } from "./http-routes.js";
import { fillClientUrl, type ResolvedVuerOptions, resolveVuerOptions, type VuerOptions } from "./options.js";
import { SharedScene } from "./cluster/shared-scene.js";
import { SceneStore } from "./scene-store.js";
import { fanOut, type IncomingEvent, runTask, type TaskHandle, VuerSession } from "./session.js";
import { Workspace } from "./workspace.js";

export type Handler = (event: IncomingEvent, session: VuerSession) => unknown;
export type SpawnFn = (session: VuerSession) => unknown;

export interface SpawnOptions {
  /** Run only for clients whose INIT value matches: glob patterns on `String(value[field])`, e.g. `{client: "node"}`. */
  filters?: Record<string, string>;
  /** Also start the server (upstream's `@app.spawn(start=True)`); errors go to `onError`. */
  start?: boolean;
}

export interface VuerStats {
  sessions: number;
  accepted: number;
  /** Connections closed for bad frames (text, invalid msgpack, not an event). */
  badFrames: number;
  handlerErrors: number;
}

export interface ListeningInfo {
  host: string;
  port: number;
  /** ws://host:port/basePath */
  url: string;
}

/**
 * A Vuer server: one session per WebSocket connection, event handlers, spawn functions started by the
 * client's INIT, a shared `scene`, and HTTP routes (`/` page, `/workspace/*`, `/relay`) on the same port.
 * Run it with `start()`, or mount `handleUpgrade` / `handleRequest` on your own HTTP server.
 */
export class Vuer {
  readonly options: ResolvedVuerOptions;
  /** The scene shared by every session that subscribes to it. */
  readonly scene = new SceneStore();
  /** With the `cluster` option: the link that keeps `scene` one scene across instances (`await sharedScene.ready`). */
  readonly sharedScene: SharedScene | undefined;
  readonly workspace: Workspace;
  readonly sessions = new Map<string, VuerSession>();
  readonly stats: VuerStats = { sessions: 0, accepted: 0, badFrames: 0, handlerErrors: 0 };
  readonly endpoint: WsEndpoint;
  /**
   * The trust policy every HTTP request and upgrade passes (undefined with `access: false`): the server's own
   * origin, `allowedOrigins`, and on a loopback bind only `Host`s naming this machine.
   */
  readonly access: AccessGuard | undefined;
  readonly #handlers = new Map<string, Set<{ fn: Handler; once: boolean }>>();
  readonly #spawns: Array<{ fn: SpawnFn; filters: Record<string, string> }> = [];
  readonly #http: HttpRoutes;
  #server: Server | undefined;
  #listening: ListeningInfo | undefined;
  #tasks = new AbortController();

  constructor(options: VuerOptions = {}) {
    this.options = resolveVuerOptions(options);
    this.workspace = new Workspace(this.options.workspace);
    const o = this.options;
    // One guard for the HTTP routes and the upgrades.
    this.access =
      o.access === false
        ? undefined
        : o.access instanceof AccessGuard
          ? o.access
          : new AccessGuard({
              bindHost: o.host,
              allowedOrigins: o.allowedOrigins,
              ...(o.allowedHosts !== undefined ? { allowedHosts: o.allowedHosts } : {}),
              cors: { methods: "GET, HEAD, POST", headers: "Content-Type" },
              ...o.access,
            });
    this.#http = new HttpRoutes(o, this.workspace, this.sessions, this.access);
    this.endpoint = new WsEndpoint({
      maxPayload: o.maxSize,
      access: this.access ?? false,
      maxConnections: o.maxConnections,
      heartbeat: o.heartbeatMs === false ? false : { intervalMs: o.heartbeatMs },
      perMessageDeflate: o.perMessageDeflate,
      // Each session's outgoing queue: ws-core's bounded drop-oldest backlog, in frames and in bytes.
      slowConsumer: {
        policy: "drop",
        highWaterMark: o.sendHighWaterMark,
        maxQueue: o.queueLen,
        maxQueueBytes: o.queueBytes,
      },
    });
    this.endpoint.on("connection", (conn) => this.#accept(conn));
    this.endpoint.on("error", (err) => this.options.onError(err, "upgrade"));
    if (options.cluster) {
      this.sharedScene = new SharedScene(this.scene, options.cluster, (err) => this.options.onError(err, "cluster"));
      this.sharedScene.ready.catch((err) => this.options.onError(err, "cluster"));
    }
  }

  /** Where the server listens, once `start()` resolved. */
  get listening(): ListeningInfo | undefined {
    return this.#listening;
  }

  /**
   * Runs `fn(event, session)` for every event of this etype from any client, with the sender's session.
   * Returns a function that removes it. A throwing or rejecting handler is reported, never fatal.
   */
  addHandler(etype: string, fn: Handler, options: { once?: boolean } = {}): () => void {
    let set = this.#handlers.get(etype);
    if (!set) {
      set = new Set();
      this.#handlers.set(etype, set);
    }
    const entry = { fn, once: options.once ?? false };
    set.add(entry);
    return () => set.delete(entry);
  }

  /**
   * Registers the function each session runs after its client's INIT (the first one whose filters match).
   * The socket closes when it returns or throws; `await session.forever()` keeps it open.
   */
  spawn(fn: SpawnFn, options: SpawnOptions = {}): this {
    this.#spawns.push({ fn, filters: options.filters ?? {} });
    if (options.start) this.start().catch((err) => this.options.onError(err, "start"));
    return this;
  }

  /**
   * Runs `fn(signal)` in the background (upstream's `spawn_task`), not tied to any session: `signal` aborts when
   * the handle's `abort()` is called or the server closes. A throw or rejection goes to `onError`.
   */
  spawnTask<T>(fn: (signal: AbortSignal) => T | Promise<T>): TaskHandle<T> {
    return runTask(fn, this.#tasks.signal, (err) => this.options.onError(err, "task"));
  }

  /** Sends a server event (or frame) to every session (not only scene subscribers); returns how many took it. */
  broadcast(event: Parameters<VuerSession["send"]>[0]): number {
    return fanOut(this.sessions.values(), event);
  }

  // ---- mounting ----

  /** True when `pathname` is one of this app's routes (the WebSocket path or below it). */
  matches(pathname: string): boolean {
    return pathUnder(pathname, this.options.basePath) !== undefined;
  }

  /**
   * WebSocket upgrades for `basePath` (exactly, or with a trailing slash): the access guard, the connection cap,
   * then the handshake. Returns false without touching the socket for any other path, so a host's
   * `UpgradeRouter` answers 404 (`start()` does the same); true when the upgrade was taken (accepted or refused).
   */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const path = pathUnder(requestUrl(req)?.pathname, this.options.basePath);
    if (path !== "/") return false;
    void this.endpoint.handleUpgrade(req, socket, head);
    return true;
  };

  /** Plain HTTP: the page at `/`, `/workspace/*`, `POST /relay`, CORS preflights; 404 otherwise. */
  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    this.#http.handle(req, res).catch((err) => {
      if (!(err instanceof HttpError)) this.options.onError(err, "http");
      if (res.headersSent) res.destroy();
      else {
        // A body left unread (413, 415) is not drained for keep-alive: the connection closes after the answer.
        if (!req.complete) res.setHeader("Connection", "close");
        sendHttpError(res, err instanceof HttpError ? err : new HttpError(500, { error: "internal error" }));
      }
    });
  };

  // ---- standalone ----

  /**
   * Listens on `host:port` (port 0 = any free port) with HTTP and WebSocket on the same port; with `freePort`, a
   * taken port falls back to a free one. TLS with `cert`/`key`, and client certificates required with `caCert`.
   */
  async start(): Promise<ListeningInfo> {
    if (this.#listening) return this.#listening;
    if (this.#tasks.signal.aborted) this.#tasks = new AbortController();
    const { cert, key, caCert } = this.options;
    const server =
      cert && key
        ? createHttpsServer(
            {
              cert: readFileSync(cert),
              key: readFileSync(key),
              ...(caCert ? { ca: readFileSync(caCert), requestCert: true, rejectUnauthorized: true } : {}),
            },
            this.handleRequest,
          )
        : createHttpServer(this.handleRequest);
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.handleUpgrade(req, socket, head))
        rejectUpgrade(socket, new HttpError(404, { error: "no WebSocket endpoint at this path" }));
    });
    this.#server = server;
    const l = await listen(server, { host: this.options.host, port: this.options.port }).catch((err) => {
      if (this.options.freePort && (err as NodeJS.ErrnoException).code === "EADDRINUSE" && this.options.port !== 0)
        return listen(server, { host: this.options.host, port: 0 });
      throw err;
    });
    this.#listening = { host: l.host, port: l.port, url: `${l.wsUrl}${this.options.basePath}` };
    return this.#listening;
  }

  /** `{domain}?ws=<url>`: open it to view this server's scene in the hosted client. */
  viewerUrl(): string | undefined {
    return this.#listening ? `${this.options.domain}?ws=${this.#listening.url}` : undefined;
  }

  /**
   * The viewer URL, as upstream's `get_url(host)`: `{clientUrl or domain}?ws=ws[s]://{host}:{port}{basePath}`
   * followed by the `queries` (`&k=v`, URL-encoded). The port is the one listened on once started, else the
   * configured one.
   */
  getUrl(host = "localhost"): string {
    const o = this.options;
    const port = this.#listening?.port ?? o.port;
    const ssl = o.cert && o.key ? "s" : "";
    const base = o.clientUrl ? fillClientUrl(o.clientUrl, { host, port, webPort: o.webPort ?? port, ssl }) : o.domain;
    const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
    const query = Object.entries(o.queries)
      .map(([k, v]) => `&${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join("");
    return `${base}${base.includes("?") ? "&" : "?"}ws=ws${ssl}://${h}:${port}${o.basePath}${query}`;
  }

  /** Closes every session with 1001 (after `graceMs` they are cut) and stops listening. */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    this.#tasks.abort(new Error("server closed"));
    const server = this.#server;
    const httpClosed = server ? closeHttpServer(server) : Promise.resolve();
    await this.endpoint.close({
      code: CloseCode.GoingAway,
      reason: "server shutting down",
      graceMs: options.graceMs ?? 2000,
    });
    await httpClosed;
    await this.sharedScene?.close();
    this.#server = undefined;
    this.#listening = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- internals ----

  #accept(conn: Connection<undefined>): void {
    const session = new VuerSession(conn, {
      rpcTimeoutMs: this.options.rpcTimeoutMs,
      queueLen: this.options.queueLen,
      onError: (err, context) => this.options.onError(err, context),
    });
    this.sessions.set(session.id, session);
    this.stats.accepted++;
    this.stats.sessions = this.sessions.size;
    // One frame per event-loop callback, with pending promise callbacks run in between (upstream awaits
    // sleep(0) after each event): `ws` emits every frame of a TCP chunk at once, and without this a spawn
    // function's `await session.till("INIT")` would resume only after the frames that followed the INIT,
    // so its next `till` would miss them.
    conn.ws.on("message", (data, isBinary) => {
      setImmediate(() => this.#onFrame(session, data as Buffer | Buffer[], isBinary));
    });
    conn.ws.on("close", (code, reason) => {
      this.sessions.delete(session.id);
      this.stats.sessions = this.sessions.size;
      session._closed(code, reason.toString());
    });
  }

  #onFrame(session: VuerSession, data: Buffer | Buffer[], isBinary: boolean): void {
    // Frames the client sent before its close are still handled; after the server closed the session, none.
    if (session._closing) return;
    if (!isBinary) {
      this.stats.badFrames++;
      session.close(CloseCode.UnsupportedData, "text frames are not supported: send binary msgpack");
      return;
    }
    let ev: IncomingEvent;
    try {
      ev = decodeEvent<IncomingEvent>(Array.isArray(data) ? Buffer.concat(data) : data, { copyBinary: false });
    } catch (err) {
      this.stats.badFrames++;
      const msg = err instanceof Error ? err.message : "invalid frame";
      session.close(CloseCode.InvalidPayload, msg);
      return;
    }
    const firstInit = ev.etype === "INIT" && session.init === undefined;
    if (firstInit) session.init = ev;
    this.#dispatch(ev, session);
    session._deliver(ev);
    if (firstInit && !session.signal.aborted) this.#runSpawn(session, ev);
  }

  #dispatch(ev: IncomingEvent, session: VuerSession): void {
    const set = this.#handlers.get(ev.etype);
    if (!set) return;
    for (const entry of [...set]) {
      if (entry.once) set.delete(entry);
      try {
        const r = entry.fn(ev, session);
        if (r && typeof (r as Promise<unknown>).then === "function") {
          (r as Promise<unknown>).catch((err) => this.#handlerError(err, ev.etype));
        }
      } catch (err) {
        this.#handlerError(err, ev.etype);
      }
    }
  }

  #handlerError(err: unknown, etype: string): void {
    this.stats.handlerErrors++;
    this.options.onError(err, `handler for ${etype}`);
  }

  #runSpawn(session: VuerSession, init: IncomingEvent): void {
    const v = init.value;
    const value = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
    const matches = (filters: Record<string, string>) => {
      try {
        return Object.entries(filters).every(([k, pattern]) => k in value && globMatch(String(value[k]), pattern));
      } catch {
        return false; // e.g. a map with a non-callable `toString` key: String() throws; such a client matches nothing
      }
    };
    const spawn = this.#spawns.find((s) => matches(s.filters));
    if (!spawn) return;
    void (async () => {
      try {
        await spawn.fn(session);
      } catch (err) {
        if (session.connected) this.options.onError(err, "spawn function");
      } finally {
        // Upstream closes the socket when the spawn function is done.
        session.close(CloseCode.Normal, "");
      }
    })();
  }
}
