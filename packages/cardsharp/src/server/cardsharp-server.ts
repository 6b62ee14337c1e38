import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import {
  AccessGuard,
  type AccessOptions,
  type AccessRule,
  type CloseOptions,
  closeHttpServer,
  createHttpServer,
  type HttpError,
  type Listening,
  listen,
  type OriginPolicy,
  type SlowConsumerOptions,
  UpgradeRouter,
  WsEndpoint,
} from "@proj/ws-core/server";
import { CardsharpCloseCode } from "../protocol/messages.js";
import { EventBus } from "./event-bus.js";
import { BlackjackTable, type TableOptions } from "./table.js";
import type { Timers } from "./timers.js";
import { WebAdapter } from "./web-adapter.js";
import { WebSocketEventHandler } from "./websocket-event-handler.js";

export interface CardsharpServerOptions extends Omit<TableOptions, "bus" | "adapter" | "timers"> {
  /** Seat every client that connects (upstream's example client never asks for a seat). Default false. */
  autoSeat?: boolean;
  /** Heartbeat period, ms. Default 5000. */
  heartbeatIntervalMs?: number;
  /** Inbound silence before a socket is dropped (4408), ms. Default 30000. */
  inactivityTimeoutMs?: number;
  /** Largest frame, bytes; larger closes with 1009. Default 64 KiB. */
  maxPayload?: number;
  /** Most simultaneous sockets; further upgrades are refused with HTTP 503 before the handshake. Default 1000. */
  maxClients?: number;
  /**
   * Most bytes waiting to be sent to one socket: a client that reads slower than the table writes is closed
   * with 1008 "slow consumer" once this much is buffered for it (it may reconnect, and gets a snapshot).
   * Default 1 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * ws-core's slow-consumer policy, for full control. Default `{policy: "disconnect", highWaterMark:
   * maxBufferedBytes}`; `{policy: "drop", maxQueue}` keeps slow clients and drops their oldest frames instead
   * (bounded by frame count on top of the mark, not by bytes).
   */
  slowConsumer?: SlowConsumerOptions;
  /**
   * The address the server is bound to (`listen()` binds here unless told otherwise). On a loopback address
   * (the default, 127.0.0.1) upgrades must name this machine in `Host` (DNS rebinding).
   */
  host?: string;
  /**
   * Browser origins trusted besides the server's own pages (same host:port): exact origins or patterns, `"*"`
   * for every origin, or a function that decides alone. Clients without an Origin (non-browsers) are always
   * allowed. A foreign origin is refused with HTTP 403 before the upgrade.
   */
  allowedOrigins?: OriginPolicy;
  /** `Host` names accepted besides localhost, loopback IPs and the bind host (`"*"`: no Host check). */
  allowedHosts?: ReadonlyArray<AccessRule> | "*";
  /**
   * The whole trust policy instead of the three options above: a host server's `AccessGuard` (one policy for
   * every protocol on its port), `AccessOptions`, or `false` to trust every origin and host (only behind a
   * server or proxy that checks them itself).
   */
  access?: AccessGuard | AccessOptions | false;
  /** Start the round loop at once. Default true. */
  autoStart?: boolean;
  timers?: Timers;
}

/**
 * The CardSharp WebSocket server: one table, one event bus, one WebSocketEventHandler, one WebAdapter,
 * behind a ws-core `WsEndpoint`. Listen standalone (`listen()`) or mount `handleUpgrade` on a shared
 * HTTP server through ws-core's `UpgradeRouter`.
 */
export class CardsharpServer {
  readonly bus = new EventBus();
  readonly handler: WebSocketEventHandler;
  readonly adapter: WebAdapter;
  readonly table: BlackjackTable;
  readonly endpoint: WsEndpoint;
  /** The trust policy upgrades pass (undefined with `access: false`); see `CardsharpServerOptions.access`. */
  readonly access: AccessGuard | undefined;
  readonly #host: string;
  #http: Server | undefined;
  #closed = false;

  constructor(options: CardsharpServerOptions = {}) {
    this.handler = new WebSocketEventHandler({
      bus: this.bus,
      ...(options.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
      ...(options.inactivityTimeoutMs !== undefined ? { inactivityTimeoutMs: options.inactivityTimeoutMs } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
    });
    this.adapter = new WebAdapter({ useWebsockets: true, handler: this.handler, autoSeat: options.autoSeat ?? false });
    this.table = new BlackjackTable({ ...options, bus: this.bus });
    this.adapter.attach(this.table);
    this.#host = options.host ?? "127.0.0.1";
    this.access = trustPolicy(options, this.#host);
    this.endpoint = new WsEndpoint({
      maxPayload: options.maxPayload ?? 64 * 1024,
      heartbeat: false, // the protocol's own heartbeat and inactivity timeout cover dead peers
      maxConnections: options.maxClients ?? 1000,
      slowConsumer: {
        policy: "disconnect",
        highWaterMark: options.maxBufferedBytes ?? 1024 * 1024,
        ...options.slowConsumer,
      },
      access: this.access ?? false,
    });
    this.endpoint.on("connection", (conn) => {
      const session = this.handler.open({
        send: (text) => conn.send(text),
        close: (code, reason) => conn.close(code, reason),
        whenDrained: () => conn.whenDrained(),
        droppedCount: () => conn.stats.dropped,
        backlog: () => conn.backlog,
      });
      conn.ws.on("message", (data, isBinary) => {
        try {
          this.handler.receive(session, isBinary ? { binary: true } : data.toString());
        } catch (err) {
          // A bug must cost one error reply, not the process and every other player's game.
          conn.send(JSON.stringify({ type: "error", data: { message: String(err), code: "INTERNAL_ERROR" } }));
        }
      });
      conn.ws.on("close", () => this.handler.transportClosed(session));
    });
    this.handler.start();
    if (options.autoStart !== false) this.table.start();
  }

  /** Takes an HTTP upgrade (mount on a shared server: `router.add("/cardsharp", server)`). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<unknown> {
    return this.endpoint.handleUpgrade(req, socket, head);
  }

  /**
   * Listens on its own HTTP server (the `host` option, 127.0.0.1 by default, and a free port by default);
   * WebSocket on every path. Another `host` here moves the Host check to it too.
   */
  async listen(options: { host?: string; port?: number } = {}): Promise<Listening> {
    if (this.#http) throw new Error("already listening");
    const host = options.host ?? this.#host;
    this.#http = upgradeServer(this, this.access, host);
    return listen(this.#http, { ...options, host });
  }

  /** Stops the table, says goodbye to every client (1001), and closes the HTTP server if it owns one. */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.table.stop();
    const reason = options.reason ?? "server shutting down";
    this.handler.close(options.code ?? CardsharpCloseCode.GoingAway, reason);
    const httpClosed = this.#http ? closeHttpServer(this.#http) : Promise.resolve();
    await this.endpoint.close({ graceMs: options.graceMs ?? 1000, reason, code: options.code ?? 1001 });
    await httpClosed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The server's AccessGuard from its options: undefined for `access: false`. */
export function trustPolicy(options: CardsharpServerOptions, host: string): AccessGuard | undefined {
  const a = options.access;
  if (a === false) return undefined;
  if (a instanceof AccessGuard) return a;
  const merged: AccessOptions = {
    ...(options.allowedOrigins !== undefined ? { allowedOrigins: options.allowedOrigins } : {}),
    ...(options.allowedHosts !== undefined ? { allowedHosts: options.allowedHosts } : {}),
    ...a,
  };
  // Explicit AccessOptions with a bindHost keep it; otherwise the guard follows where the server listens.
  return merged.bindHost !== undefined ? new AccessGuard(merged) : new BindFollowingGuard(merged, host);
}

/**
 * A new HTTP server that hands WebSocket upgrades on every path to `handler`, for a server's own `listen()`;
 * a guard that follows the bind host is moved to `host` first. @internal
 */
export function upgradeServer(
  handler: Parameters<UpgradeRouter["add"]>[1],
  access: AccessGuard | undefined,
  host: string,
): Server {
  if (access instanceof BindFollowingGuard) access.rebind(host);
  const http = createHttpServer();
  new UpgradeRouter().add("/*", handler).attach(http);
  return http;
}

/**
 * An AccessGuard whose bind host is the one `listen()` finally uses (the constructor only knows the
 * `host` option): a guard built for 127.0.0.1 would refuse every LAN `Host` once bound to 0.0.0.0.
 */
export class BindFollowingGuard extends AccessGuard {
  readonly #options: AccessOptions;
  #inner: AccessGuard;

  constructor(options: AccessOptions, host: string) {
    super({ ...options, bindHost: host });
    this.#options = options;
    this.#inner = new AccessGuard({ ...options, bindHost: host });
  }

  rebind(host: string): void {
    this.#inner = new AccessGuard({ ...this.#options, bindHost: host });
  }

  override hostAllowed(req: IncomingMessage): boolean {
    return this.#inner.hostAllowed(req);
  }

  override originAllowed(req: IncomingMessage): boolean {
    return this.#inner.originAllowed(req);
  }

  override check(req: IncomingMessage): HttpError | undefined {
    return this.#inner.check(req);
  }

  override corsHeaders(req: IncomingMessage): Record<string, string> {
    return this.#inner.corsHeaders(req);
  }
}
