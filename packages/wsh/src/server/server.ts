import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import {
  type AccessGuard,
  closeHttpServer,
  createHttpServer,
  type Listening,
  listen,
  rejectUpgrade,
  requestPath,
  sendHttpError,
  UpgradeRouter,
} from "@proj/ws-core/server";
import { SHUTDOWN_CLOSE } from "../protocol/constants.js";
import { accessRefusal, buildGuard, guardFollowsListenHost, type WshAccessOptions } from "./access.js";
import { authorize, type Role } from "./auth.js";
import { apiError } from "./http.js";
import { JsonStream } from "./json-stream.js";
import { RawStream } from "./raw-stream.js";
import { Recorder, type RecordOptions } from "./recording.js";
import { createRequestHandler, type ResizePolicy } from "./rest.js";
import type { PtyExit } from "./terminal/pty.js";
import { type SessionOptions, TerminalSession } from "./terminal/session.js";

export interface WshLimits {
  /** Largest WebSocket frame accepted (larger closes with 1009). Default 1 MiB. */
  maxPayload?: number;
  /** Largest POST /input or /resize body (larger gets 413). Default 1 MiB. */
  maxBodyBytes?: number;
  /** Bytes buffered for a /ws/raw client before output to it is skipped until a repaint. Default 1 MiB. */
  rawHighWaterMark?: number;
  /** Bytes buffered for a /ws/json client before terminal events are skipped until a resync. Default 1 MiB. */
  jsonHighWaterMark?: number;
  /** `input` events queued for a slow /ws/json client before the oldest is dropped. Default 1000. */
  jsonMaxQueue?: number;
  /** History lines in a /ws/raw repaint. Default 1000. */
  repaintScrollback?: number;
  /** Largest `limit` on GET /scrollback. Default 10,000. */
  maxScrollbackLimit?: number;
}

export interface WshServerOptions extends SessionOptions, WshAccessOptions {
  /**
   * The owner's Bearer / `?token=` token: every route but /health requires it (or the viewer token).
   * Unset, with no `viewerToken` either = no auth (upstream's loopback behaviour; the access guard
   * still applies); `resolveAuthToken()` applies upstream's bind-address rule.
   */
  token?: string | undefined;
  /**
   * A read-only token: /ws/raw output, /ws/json and the GET routes. Its keystrokes on /ws/raw close
   * the socket with 4403, its POSTs get 403 `read_only`. Setting it turns auth on even without `token`
   * (then nobody can write over the network).
   */
  viewerToken?: string | undefined;
  /**
   * Who sets the PTY size (one size for everyone; every client is told it). "owner" (default): POST /resize
   * from the owner (owner token; with no token configured, any client the access guard lets in).
   * "attached": only the local side (the CLI's terminal, `session.resize()`); POST /resize gets 403.
   * Viewers never resize.
   */
  resizePolicy?: ResizePolicy;
  /**
   * Nobody types over the network: every client (owner token included) gets the viewer role, so the page
   * at / only watches, /ws/raw keystrokes close with 4403 and POSTs get 403. Default false.
   */
  readonly?: boolean;
  /** Serve the terminal page at / (xterm.js; see README). Default true. */
  page?: boolean;
  /** Record the session to an asciicast v2 file (a path, or options); GET /recording streams it (owner only). */
  record?: string | RecordOptions;
  /** Mount prefix for every route, e.g. "/wsh" for /wsh/ws/raw (default ""). */
  basePath?: string;
  limits?: WshLimits;
  /** Send late /ws/raw joiners a repaint of the screen first. Default true. */
  repaintOnConnect?: boolean;
  /** Protocol ping interval for dead-peer detection; false disables. Default 30,000. */
  heartbeatMs?: number | false;
  /** How long sockets get to finish the close handshake at shutdown. Default 2000. */
  closeGraceMs?: number;
  /** How long `close()` waits after SIGHUP before it kills a shell that ignores it (SIGKILL). Default 3000. */
  killGraceMs?: number;
  /** Use an existing session instead of spawning one. */
  session?: TerminalSession;
}

/**
 * The wsh server half: one terminal session exposed over REST, /ws/raw and /ws/json. Mount it on
 * any HTTP server with `handleUpgrade` and `handleRequest`, or call `listen()`.
 */
export class WshServer {
  readonly session: TerminalSession;
  readonly raw: RawStream;
  readonly json: JsonStream;
  readonly basePath: string;
  /** Resolves once the shell exited and every socket was closed with 1000 "server shutting down". */
  readonly closed: Promise<PtyExit>;
  token: string | undefined;
  viewerToken: string | undefined;
  /** The asciicast recorder (`record`), if any. */
  readonly recorder: Recorder | undefined;
  readonly #readonly: boolean;
  #guard: AccessGuard | undefined;
  readonly #access: WshAccessOptions;
  #listening: Listening | undefined;
  #closing: Promise<void> | undefined;
  readonly #handleRest: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly #graceMs: number;
  readonly #killGraceMs: number;

  constructor(o: WshServerOptions = {}) {
    const limits = o.limits ?? {};
    this.token = o.token;
    this.viewerToken = o.viewerToken;
    if (o.token !== undefined && o.token === o.viewerToken) throw new Error("viewerToken must differ from token");
    this.#access = {
      access: o.access,
      bindHost: o.bindHost,
      allowedOrigins: o.allowedOrigins,
      allowedHosts: o.allowedHosts,
    };
    this.#guard = buildGuard(this.#access);
    this.basePath = (o.basePath ?? "").replace(/\/$/, "");
    this.#graceMs = o.closeGraceMs ?? 2000;
    this.#killGraceMs = o.killGraceMs ?? 3000;
    this.session = o.session ?? new TerminalSession(o);
    this.#readonly = o.readonly ?? false;
    try {
      this.recorder =
        o.record === undefined
          ? undefined
          : new Recorder(this.session, typeof o.record === "string" ? { path: o.record } : o.record);
    } catch (err) {
      if (!o.session) this.session.kill("SIGKILL"); // the shell we just started must not outlive the error
      throw err;
    }
    const authenticate = (req: IncomingMessage): Role => {
      const refusal = accessRefusal(this.#guard, req);
      if (refusal) throw refusal;
      return this.authorize(req);
    };
    const heartbeatMs = o.heartbeatMs ?? 30_000;
    const maxPayload = limits.maxPayload ?? 1024 * 1024;
    this.raw = new RawStream({
      session: this.session,
      authenticate,
      maxPayload,
      highWaterMark: limits.rawHighWaterMark ?? 1024 * 1024,
      repaintScrollback: limits.repaintScrollback ?? 1000,
      repaintOnConnect: o.repaintOnConnect ?? true,
      heartbeatMs,
    });
    this.json = new JsonStream({
      session: this.session,
      authenticate,
      maxPayload,
      highWaterMark: limits.jsonHighWaterMark ?? 1024 * 1024,
      maxQueue: limits.jsonMaxQueue ?? 1000,
      heartbeatMs,
    });
    this.#handleRest = createRequestHandler({
      session: this.session,
      authorize: (req) => this.authorize(req),
      guard: () => this.#guard,
      basePath: this.basePath,
      maxBodyBytes: limits.maxBodyBytes ?? 1024 * 1024,
      maxScrollbackLimit: limits.maxScrollbackLimit ?? 10_000,
      resizePolicy: o.resizePolicy ?? "owner",
      page: o.page ?? true,
      recorder: () => this.recorder,
    });
    this.closed = this.session.exited.then(async (e) => {
      await this.#shutdown();
      return e;
    });
  }

  /**
   * The trust policy every route and upgrade passes before its token is looked at (undefined with
   * `access: false`). Built from `bindHost` (else the host given to `listen()`, else 127.0.0.1),
   * `allowedOrigins` and `allowedHosts`, or the guard passed as `access`.
   */
  get access(): AccessGuard | undefined {
    return this.#guard;
  }

  /** The role of a request under the current tokens; throws the 401/403 refusal. */
  authorize(req: Pick<IncomingMessage, "headers" | "url">): Role {
    const r = authorize(req, { token: this.token, viewerToken: this.viewerToken });
    if (r === "owner" || r === "viewer") return this.#readonly ? "viewer" : r;
    throw apiError(r);
  }

  /** Routes for a shared `UpgradeRouter`: `{ "/ws/raw": ..., "/ws/json": ... }` under the base path. */
  get upgradeRoutes(): Record<string, { handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): unknown }> {
    return { [`${this.basePath}/ws/raw`]: this.raw, [`${this.basePath}/ws/json`]: this.json };
  }

  /**
   * Takes an upgrade for /ws/raw or /ws/json (refused with 403 before the handshake when the access
   * guard or the token says no); returns false (socket untouched) for other paths, so an
   * `UpgradeRouter` answers them 404.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = requestPath(req.url);
    const target = this.upgradeRoutes[path];
    if (!target) return false;
    void target.handleUpgrade(req, socket, head);
    return true;
  }

  /** Answers a REST request for one of our paths; returns false (response untouched) otherwise. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    return this.#handleRest(req, res);
  }

  /** A plain request listener answering unknown paths with 404 `not_found` (after the access guard). */
  readonly requestListener: RequestListener = (req, res) => {
    if (this.handleRequest(req, res)) return;
    sendHttpError(res, accessRefusal(this.#guard, req) ?? apiError("not_found"));
  };

  /** Listens on its own HTTP server (127.0.0.1 and port 0 by default). */
  async listen(options: { host?: string; port?: number } = {}): Promise<Listening> {
    const host = options.host ?? this.#access.bindHost;
    // The Host check follows the address actually bound, unless the options fixed it.
    if (host !== undefined && guardFollowsListenHost(this.#access)) this.#guard = buildGuard(this.#access, host);
    const server = createHttpServer(this.requestListener);
    const router = new UpgradeRouter();
    for (const [path, h] of Object.entries(this.upgradeRoutes)) router.add(path, h);
    server.on("upgrade", (req, socket, head) => {
      const refusal = accessRefusal(this.#guard, req);
      if (refusal) return rejectUpgrade(socket, refusal);
      if (router.match(requestPath(req.url))) return router.handle(req, socket, head);
      rejectUpgrade(socket, apiError("not_found"));
    });
    this.#listening = await listen(server, { ...options, ...(host !== undefined ? { host } : {}) });
    return this.#listening;
  }

  get url(): string | undefined {
    return this.#listening?.url;
  }

  /** Ends the shell (if still running), closes every socket with 1000 "server shutting down", stops listening. */
  async close(): Promise<void> {
    if (!this.session.ended) {
      this.session.kill();
      // A shell that ignores SIGHUP must not keep the server (or the CLI after SIGTERM) alive.
      const force = setTimeout(() => this.session.kill("SIGKILL"), this.#killGraceMs);
      force.unref();
      await this.closed.finally(() => clearTimeout(force));
    }
    await this.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #shutdown(): Promise<void> {
    this.#closing ??= (async () => {
      const close = { ...SHUTDOWN_CLOSE, graceMs: this.#graceMs };
      const http = this.#listening ? closeHttpServer(this.#listening.server) : Promise.resolve();
      this.raw.flush(); // the last output goes out before the close frame
      this.recorder?.close();
      await Promise.all([this.raw.endpoint.close(close), this.json.endpoint.close(close)]);
      await http;
      // The emulator stays readable: a mounted server keeps answering /screen with the final state.
    })();
    return this.#closing;
  }
}

/** Creates a server and listens: `const s = await startWshServer({ command: "bash" }); s.url`. */
export async function startWshServer(
  options: WshServerOptions & { host?: string; port?: number } = {},
): Promise<WshServer & { url: string }> {
  const { host, port, ...rest } = options;
  const server = new WshServer(rest);
  try {
    await server.listen({ ...(host ? { host } : {}), ...(port !== undefined ? { port } : {}) });
  } catch (err) {
    await server.close();
    throw err;
  }
  return server as WshServer & { url: string };
}
