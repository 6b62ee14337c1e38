import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import {
  type AccessGuard,
  closeHttpServer,
  HttpError,
  listen,
  sendJson,
  UpgradeRouter,
  WsEndpoint,
} from "@proj/ws-core/server";
import { CLOSE_REASON_SHUTDOWN } from "../protocol/constants.js";
import { createAccessGuard, tokenMatches } from "./access.js";
import { ExtensionHub } from "./extension-hub.js";
import { type BridgeServerOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { createRestHandler } from "./rest-handler.js";

export interface BridgeAddresses {
  /** REST base, e.g. http://127.0.0.1:8765 */
  url: string;
  /** The WebSocket protocol on the REST port: ws://127.0.0.1:8765/ws */
  restWsUrl: string;
  /** The standalone WebSocket port (undefined with `wsPort: false`): ws://127.0.0.1:8766 */
  wsUrl: string | undefined;
  port: number;
  wsPort: number | undefined;
}

/**
 * The bridge server: REST API + the WebSocket protocol for extensions. Use `listen()` for the
 * standard two ports, or mount `handleRequest` / `handleUpgrade` on a server of your own.
 */
export class BridgeServer {
  readonly options: ResolvedOptions;
  /** Host and Origin policy of both the REST routes and WebSocket upgrades (reuse it for pages mounted beside the bridge). */
  readonly access: AccessGuard;
  readonly endpoint: WsEndpoint<undefined>;
  readonly hub: ExtensionHub;
  /** REST routes as a request listener (honours `basePath`). */
  readonly handleRequest: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  #servers: Server[] = [];
  #addresses: BridgeAddresses | undefined;

  constructor(options: BridgeServerOptions = {}) {
    const o = resolveOptions(options);
    this.options = o;
    this.access = createAccessGuard(o);
    this.endpoint = new WsEndpoint<undefined>({
      maxPayload: o.maxPayload,
      heartbeat: false, // the hub runs the documented JSON heartbeat (and protocol pings) itself
      access: this.access,
      authenticate: (req) => {
        if (!tokenMatches(o.token, req)) throw new HttpError(401, { error: "Missing or invalid token" });
        return undefined;
      },
      maxConnections: o.maxConnections,
      slowConsumer: { policy: "disconnect", highWaterMark: o.maxBufferedBytes },
    });
    this.hub = new ExtensionHub(this.endpoint, o);
    this.handleRequest = createRestHandler(this.hub, o, this.access);
  }

  get addresses(): BridgeAddresses | undefined {
    return this.#addresses;
  }

  /** Takes a WebSocket upgrade for the extension protocol (any path: mount it where you like). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<unknown> {
    return this.endpoint.handleUpgrade(req, socket, head);
  }

  /** Listens on the REST port (with `/ws`) and, unless disabled, the standalone WebSocket port. */
  async listen(): Promise<BridgeAddresses> {
    const o = this.options;
    const rest = createServer((req, res) => void this.handleRequest(req, res));
    new UpgradeRouter().add(`${o.basePath}/ws`, this).attach(rest);
    this.#servers.push(rest);
    try {
      return await this.#listen(rest);
    } catch (err) {
      // Up on both ports or on none: a busy second port must not leave the first one serving.
      await Promise.all(this.#servers.map((s) => (s.listening ? closeHttpServer(s) : undefined)));
      this.#servers = [];
      throw err;
    }
  }

  async #listen(rest: Server): Promise<BridgeAddresses> {
    const o = this.options;
    const r = await listen(rest, { host: o.host, port: o.port });
    let wsUrl: string | undefined;
    let wsPort: number | undefined;
    if (o.wsPort !== false) {
      const standalone = createServer((_req, res) =>
        sendJson(
          res,
          426,
          { success: false, error: "Upgrade Required: this port speaks WebSocket" },
          { Upgrade: "websocket" },
        ),
      );
      new UpgradeRouter().add("/*", this).attach(standalone);
      this.#servers.push(standalone);
      const w = await listen(standalone, { host: o.host, port: o.wsPort });
      wsUrl = w.wsUrl;
      wsPort = w.port;
    }
    this.#addresses = { url: r.url, restWsUrl: `${r.wsUrl}${o.basePath}/ws`, wsUrl, port: r.port, wsPort };
    return this.#addresses;
  }

  /** Fails pending commands, closes every extension with 1001 "Server shutdown", stops listening. */
  async close(graceMs = 2000): Promise<void> {
    this.hub.shutdown(); // waiting REST calls get their 503 before the HTTP servers stop
    await this.endpoint.close({ code: 1001, reason: CLOSE_REASON_SHUTDOWN, graceMs });
    await Promise.all(this.#servers.map((s) => closeHttpServer(s)));
    this.#servers = [];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Creates a `BridgeServer` and listens. */
export async function startBridgeServer(
  options: BridgeServerOptions = {},
): Promise<BridgeServer & { addresses: BridgeAddresses }> {
  const server = new BridgeServer(options);
  await server.listen();
  return server as BridgeServer & { addresses: BridgeAddresses };
}
