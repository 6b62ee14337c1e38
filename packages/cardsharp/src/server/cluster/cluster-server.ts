import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import {
  type AccessGuard,
  type CloseOptions,
  closeHttpServer,
  type Listening,
  listen,
  WsEndpoint,
} from "@proj/ws-core/server";
import { CardsharpCloseCode, type LobbyData } from "../../protocol/messages.js";
import { type CardsharpServerOptions, trustPolicy, upgradeServer } from "../cardsharp-server.js";
import { ClusterCasino, type ClusterOptions } from "./casino.js";

export interface CardsharpClusterServerOptions
  extends Omit<CardsharpServerOptions, "autoStart" | "seed" | "random" | "gameId" | "clock" | "observer"> {
  cluster: ClusterOptions;
}

/**
 * `CardsharpServer`'s cluster mode: one instance of a casino several processes serve over a `ClusterBus`
 * (Redis). Sockets on `/` play the instance's first table, on `/tables/<id>` any table of the casino, wherever
 * it runs; `{type: "lobby"}` lists them all. Start with `await CardsharpClusterServer.start(options)`.
 */
export class CardsharpClusterServer {
  readonly casino: ClusterCasino;
  readonly endpoint: WsEndpoint;
  readonly access: AccessGuard | undefined;
  readonly #host: string;
  #http: Server | undefined;
  #closed = false;

  /** Creates the server and joins the casino (its tables are opened, free tables taken). */
  static async start(options: CardsharpClusterServerOptions): Promise<CardsharpClusterServer> {
    const server = new CardsharpClusterServer(options);
    try {
      await server.casino.start();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  constructor(options: CardsharpClusterServerOptions) {
    this.casino = new ClusterCasino(
      options.cluster,
      {
        ...(options.rules ? { rules: options.rules } : {}),
        ...(options.timings ? { timings: options.timings } : {}),
        ...(options.bots !== undefined ? { bots: options.bots } : {}),
        ...(options.botKind ? { botKind: options.botKind } : {}),
        ...(options.maxSeats !== undefined ? { maxSeats: options.maxSeats } : {}),
        ...(options.startingBalance !== undefined ? { startingBalance: options.startingBalance } : {}),
        ...(options.botBalance !== undefined ? { botBalance: options.botBalance } : {}),
      },
      {
        autoSeat: options.autoSeat ?? false,
        ...(options.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
        ...(options.inactivityTimeoutMs !== undefined ? { inactivityTimeoutMs: options.inactivityTimeoutMs } : {}),
      },
    );
    this.#host = options.host ?? "127.0.0.1";
    this.access = trustPolicy(options, this.#host);
    this.endpoint = new WsEndpoint({
      maxPayload: options.maxPayload ?? 64 * 1024,
      heartbeat: false,
      maxConnections: options.maxClients ?? 1000,
      slowConsumer: {
        policy: "disconnect",
        highWaterMark: options.maxBufferedBytes ?? 1024 * 1024,
        ...options.slowConsumer,
      },
      access: this.access ?? false,
    });
    this.endpoint.on("connection", (conn) => {
      const table = tableOfPath(conn.request.url ?? "/");
      if (table === null) {
        conn.close(CardsharpCloseCode.UnknownTable, "unknown table");
        return;
      }
      const link = this.casino.connect(
        { send: (text) => conn.send(text), close: (code, reason) => conn.close(code, reason) },
        table,
      );
      let lobbyBusy = false;
      conn.ws.on("message", (data, isBinary) => {
        if (isBinary) {
          const error = { message: "Binary frames are not supported", code: "BINARY_NOT_SUPPORTED" };
          conn.send(JSON.stringify({ type: "error", data: error }));
          return;
        }
        const text = data.toString();
        if (isLobbyRequest(text)) {
          // One lobby read per socket at a time: each costs a few Redis reads.
          if (lobbyBusy) {
            const error = { message: "a lobby request is already being answered", code: "LOBBY_BUSY" };
            conn.send(JSON.stringify({ type: "error", data: error }));
            return;
          }
          lobbyBusy = true;
          void this.casino
            .lobby()
            .then((lobby: LobbyData) => conn.send(JSON.stringify({ type: "lobby", data: lobby })))
            .catch(() => {})
            .finally(() => {
              lobbyBusy = false;
            });
          return;
        }
        link.receive(text);
      });
      conn.ws.on("close", () => this.casino.disconnect(link));
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<unknown> {
    return this.endpoint.handleUpgrade(req, socket, head);
  }

  async listen(options: { host?: string; port?: number } = {}): Promise<Listening> {
    if (this.#http) throw new Error("already listening");
    const host = options.host ?? this.#host;
    this.#http = upgradeServer(this, this.access, host);
    return listen(this.#http, { ...options, host });
  }

  /** Leaves the casino (tables running here move to other instances at once), then closes every socket (1001). */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.casino.close();
    const reason = options.reason ?? "server shutting down";
    const httpClosed = this.#http ? closeHttpServer(this.#http) : Promise.resolve();
    await this.endpoint.close({ graceMs: options.graceMs ?? 1000, reason, code: options.code ?? 1001 });
    await httpClosed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** `/` → the instance's default table (undefined), `/tables/<id>` → id; anything else → null. */
export function tableOfPath(url: string): string | undefined | null {
  const path = url.split("?")[0] ?? "/";
  if (path === "/" || path === "") return undefined;
  const m = /^\/tables\/([^/]+)\/?$/.exec(path);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return null;
  }
}

function isLobbyRequest(text: string): boolean {
  if (!text.includes('"lobby"')) return false;
  try {
    return (JSON.parse(text) as { type?: unknown })?.type === "lobby";
  } catch {
    return false;
  }
}
