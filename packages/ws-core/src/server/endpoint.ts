import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { CloseCode } from "../protocol/close-codes.js";
import type { WireData } from "../protocol/codec.js";
import { AccessGuard, type AccessOptions, accessGuard, type OriginPolicy } from "./access-guard.js";
import { Connection, type PreparedFrame, preEncode, prepareFrame, type SendResult } from "./connection.js";
import { HttpError, rejectUpgrade } from "./http-error.js";
import { type SlowConsumerOptions, type SlowConsumerStats, slowConsumerDefaults } from "./slow-consumer.js";

/** @deprecated use `OriginPolicy` */
export type OriginCheck = OriginPolicy;

export interface EndpointOptions<Ctx> {
  /** Largest accepted frame in bytes; a larger one closes the socket with 1009. Default 1 MiB. */
  maxPayload?: number;
  /**
   * Runs on the upgrade request before any WebSocket exists. Return the connection's context, or
   * throw `HttpError(401|403, body)` to refuse with that status and body.
   */
  authenticate?: (req: IncomingMessage) => Ctx | Promise<Ctx> | (undefined extends Ctx ? void | Promise<void> : never);
  /**
   * Who may open a socket, checked before `authenticate`: by default the server's own pages, clients
   * without an Origin (non-browsers), and on a loopback bind only `Host`s naming this machine. Pass the
   * server's `AccessGuard` to share one policy with its REST routes, or options for a guard of its own.
   * `false` trusts every origin and host (only behind a proxy that checks them).
   */
  access?: AccessGuard | AccessOptions | false;
  /** Shorthand for `access.allowedOrigins` (origins trusted besides the server's own; `"*"` for all). */
  allowedOrigins?: OriginPolicy;
  /**
   * Protocol-level ping every `intervalMs` (any message or pong counts as alive); a peer silent for a
   * whole interval is terminated, or closed with `closeCode`/`closeReason` when given (then cut 1 s later).
   * `message` also sends an application-level ping, for peers (browsers) that cannot see protocol pings.
   * `false` disables.
   */
  heartbeat?: { intervalMs?: number; closeCode?: number; closeReason?: string; message?: () => WireData } | false;
  slowConsumer?: SlowConsumerOptions;
  /** Subprotocol selection (ws's handleProtocols). */
  handleProtocols?: (protocols: Set<string>, req: IncomingMessage) => string | false;
  /** The refusal for upgrades that arrive while the endpoint is closing. Default 503 {"error":"server shutting down"}. */
  closingError?: HttpError;
  /** Most open connections; further upgrades are refused with 503 before the handshake. Default unlimited. */
  maxConnections?: number;
  /** permessage-deflate: off by default (it costs about 8x in round trips). */
  perMessageDeflate?: boolean | Record<string, unknown>;
}

export interface EndpointStats extends SlowConsumerStats {
  connections: number;
  accepted: number;
  rejected: number;
  deadPeers: number;
}

export interface CloseOptions {
  code?: number;
  reason?: string;
  /** How long peers get to finish the close handshake before they are terminated. Default 2000 ms. */
  graceMs?: number;
}

type EndpointEvents<Ctx> = {
  connection: [Connection<Ctx>];
  disconnect: [Connection<Ctx>, number, string];
  slow: [Connection<Ctx>, keyof SlowConsumerStats];
  error: [Error];
};

/**
 * One WebSocket protocol's server side, independent of any HTTP server: feed it upgrades
 * (directly or through `UpgradeRouter`), it authenticates, enforces limits and tracks connections.
 */
export class WsEndpoint<Ctx = undefined> extends EventEmitter<EndpointEvents<Ctx>> {
  readonly wss: WebSocketServer;
  readonly connections = new Set<Connection<Ctx>>();
  readonly stats: EndpointStats = {
    connections: 0,
    accepted: 0,
    rejected: 0,
    deadPeers: 0,
    skipped: 0,
    dropped: 0,
    disconnected: 0,
  };
  readonly #o: EndpointOptions<Ctx>;
  readonly #policy: Required<SlowConsumerOptions>;
  readonly #access: AccessGuard | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #closing = false;

  constructor(options: EndpointOptions<Ctx> = {}) {
    super();
    this.#o = options;
    this.#policy = { ...slowConsumerDefaults, ...options.slowConsumer };
    const a = options.access;
    this.#access =
      a === false
        ? undefined
        : a instanceof AccessGuard
          ? a
          : accessGuard({ ...a, ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}) });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload ?? 1024 * 1024,
      perMessageDeflate: options.perMessageDeflate ?? false,
      clientTracking: false,
      ...(options.handleProtocols ? { handleProtocols: options.handleProtocols } : {}),
    });
    const hb = options.heartbeat === false ? undefined : (options.heartbeat?.intervalMs ?? 30_000);
    if (hb) {
      this.#heartbeat = setInterval(() => this.#beat(), hb);
      this.#heartbeat.unref();
    }
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** The trust policy upgrades pass before authentication (undefined with `access: false`). */
  get access(): AccessGuard | undefined {
    return this.#access;
  }

  /** Takes an HTTP upgrade: Host and Origin check, authentication, then the WebSocket handshake. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<Connection<Ctx> | undefined> {
    socket.on("error", () => {});
    try {
      const refusal = this.#access?.check(req);
      if (refusal) throw refusal;
      if (this.#closing) throw this.#o.closingError ?? new HttpError(503, { error: "server shutting down" });
      if (this.connections.size >= (this.#o.maxConnections ?? Number.POSITIVE_INFINITY)) {
        throw new HttpError(503, { error: "too many connections" }, { "Retry-After": "5" });
      }
      const ctx = (this.#o.authenticate ? await this.#o.authenticate(req) : undefined) as Ctx;
      if (socket.destroyed) return undefined;
      return await new Promise<Connection<Ctx>>((resolve) => {
        this.wss.handleUpgrade(req, socket, head, (ws) => resolve(this.#accept(ws, req, ctx)));
      });
    } catch (err) {
      this.stats.rejected++;
      const httpErr = err instanceof HttpError ? err : new HttpError(500, { error: "internal error" });
      if (!(err instanceof HttpError)) this.emit("error", err as Error);
      rejectUpgrade(socket, httpErr);
      return undefined;
    }
  }

  /** Sends one message to every open connection (or those `filter` keeps), serialising once. */
  broadcast(data: WireData | PreparedFrame, filter?: (c: Connection<Ctx>) => boolean): number {
    // Serialise and frame once; every socket then gets the same bytes.
    const frame = this.connections.size > 1 ? preEncode(prepareFrame(data)) : prepareFrame(data);
    let sent = 0;
    for (const c of this.connections) {
      if (filter && !filter(c)) continue;
      if (c.send(frame) === "sent") sent++;
    }
    return sent;
  }

  send(conn: Connection<Ctx>, data: WireData | PreparedFrame): SendResult {
    return conn.send(data);
  }

  /**
   * Graceful shutdown: refuse new upgrades, send every peer the close code, wait up to `graceMs`
   * for their close handshakes, then terminate whoever is left.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    const { code = CloseCode.GoingAway, reason = "server shutting down", graceMs = 2000 } = options;
    this.#closing = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const waits = [...this.connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) return resolve();
          c.ws.once("close", () => resolve());
          c.close(code, reason);
        }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), graceMs);
    });
    const r = await Promise.race([Promise.all(waits), grace]);
    clearTimeout(timer);
    if (r === "timeout") {
      for (const c of this.connections) c.terminate();
      await Promise.all(waits);
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #accept(ws: WebSocket, req: IncomingMessage, ctx: Ctx): Connection<Ctx> {
    const conn = new Connection<Ctx>(ws, req, ctx, this.#policy, (c, what) => {
      this.stats[what]++;
      this.emit("slow", c, what);
    });
    this.connections.add(conn);
    this.stats.accepted++;
    this.stats.connections = this.connections.size;
    if (this.#heartbeat) {
      // Only with a heartbeat: a second message listener costs a listener-array copy per message.
      ws.on("pong", () => {
        conn.isAlive = true;
      });
      ws.on("message", () => {
        conn.isAlive = true;
      });
    }
    ws.on("error", () => {
      // Errors (e.g. 1009 oversize, invalid frames) are followed by 'close'; ws already sent the close code.
    });
    ws.on("close", (code, reason) => {
      this.connections.delete(conn);
      this.stats.connections = this.connections.size;
      this.emit("disconnect", conn, code, reason.toString());
    });
    if (this.#closing) {
      conn.close(CloseCode.GoingAway, "server shutting down");
    } else {
      this.emit("connection", conn);
    }
    return conn;
  }

  #beat(): void {
    const hb = this.#o.heartbeat || {};
    for (const c of this.connections) {
      if (!c.isAlive) {
        this.stats.deadPeers++;
        if (hb.closeCode === undefined) c.terminate();
        else {
          c.close(hb.closeCode, hb.closeReason ?? "keepalive timeout");
          setTimeout(() => c.terminate(), 1000).unref();
        }
        continue;
      }
      c.isAlive = false;
      try {
        c.ws.ping();
        if (hb.message) c.send(hb.message());
      } catch {
        c.terminate();
      }
    }
  }
}
