import type { RequestListener } from "node:http";
import type { Connection } from "../server/connection.js";
import { type EndpointOptions, WsEndpoint } from "../server/endpoint.js";
import type { UpgradeHandler } from "../server/router.js";
import { startWsServer, type WsServer } from "../server/ws-server.js";
import { trackLeftover } from "./leftovers.js";
import { waitForEvent } from "./wait.js";

export interface TestServer<Ctx> extends WsServer {
  endpoint: WsEndpoint<Ctx>;
  /** ws://127.0.0.1:PORT/path of the default endpoint. */
  url: string;
  /** Resolves with the next connection the endpoint accepts. */
  nextConnection(timeoutMs?: number): Promise<Connection<Ctx>>;
}

/**
 * A server on 127.0.0.1, port 0, with one endpoint at `path` (plus any extra routes); closed
 * automatically by `disposeLeftovers()` if the test forgets.
 */
export async function startTestServer<Ctx = undefined>(
  options: EndpointOptions<Ctx> & {
    path?: string;
    routes?: Record<string, UpgradeHandler>;
    onRequest?: RequestListener;
  } = {},
): Promise<TestServer<Ctx>> {
  const { path = "/", routes = {}, onRequest, ...endpointOptions } = options;
  const endpoint = new WsEndpoint<Ctx>({ heartbeat: false, ...endpointOptions });
  const s = await startWsServer({ routes: { [path]: endpoint, ...routes }, ...(onRequest ? { onRequest } : {}) });
  const untrack = trackLeftover(() => s.close({ graceMs: 100 }));
  const close: WsServer["close"] = async (o) => {
    untrack();
    await s.close(o);
  };
  return {
    ...s,
    endpoint,
    url: `${s.wsUrl}${path}`,
    close,
    [Symbol.asyncDispose]: () => close(),
    nextConnection: (timeoutMs) =>
      waitForEvent<Connection<Ctx>>(
        (l) => {
          endpoint.on("connection", l);
          return () => endpoint.off("connection", l);
        },
        undefined,
        timeoutMs === undefined ? {} : { timeoutMs },
      ),
  };
}
