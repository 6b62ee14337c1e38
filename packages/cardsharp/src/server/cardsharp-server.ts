import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import {
  type CloseOptions,
  closeHttpServer,
  createHttpServer,
  type Listening,
  listen,
  type OriginCheck,
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
  /** Per-socket backlog policy. Default: drop oldest past 1000 queued frames. */
  slowConsumer?: SlowConsumerOptions;
  allowedOrigins?: OriginCheck;
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
    this.endpoint = new WsEndpoint({
      maxPayload: options.maxPayload ?? 64 * 1024,
      heartbeat: false, // the protocol's own heartbeat and inactivity timeout cover dead peers
      maxConnections: options.maxClients ?? 1000,
      slowConsumer: options.slowConsumer ?? { policy: "drop", maxQueue: 1000 },
      ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    });
    this.endpoint.on("connection", (conn) => {
      const session = this.handler.open({
        send: (text) => void conn.send(text),
        close: (code, reason) => conn.close(code, reason),
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

  /** Listens on its own HTTP server (127.0.0.1 and a free port by default); WebSocket on every path. */
  async listen(options: { host?: string; port?: number } = {}): Promise<Listening> {
    if (this.#http) throw new Error("already listening");
    const http = createHttpServer();
    const router = new UpgradeRouter().add("/*", this);
    router.attach(http);
    this.#http = http;
    return listen(http, options);
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
