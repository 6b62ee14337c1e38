import { trackLeftover } from "@proj/ws-core/testing";
import { type BridgeServerOptions, startBridgeServer } from "../../src/server/index.js";

export type TestBridge = Awaited<ReturnType<typeof startBridgeServer>>;

/** A bridge server on free ports, heartbeat off unless asked; closed by `disposeLeftovers()`. */
export async function startTestBridge(options: BridgeServerOptions = {}): Promise<TestBridge> {
  const server = await startBridgeServer({ port: 0, wsPort: 0, heartbeat: false, ...options });
  trackLeftover(() => server.close(100));
  return server;
}
