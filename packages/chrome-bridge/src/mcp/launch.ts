import { randomBytes } from "node:crypto";
import { BridgeClient } from "../client/rest-client.js";
import type { LaunchOptions } from "../executor/chromium.js";
import { type NodeExecutorOptions, startNodeExecutor } from "../executor/node-executor.js";
import { startBridgeServer } from "../server/bridge-server.js";

export interface LaunchedBridge {
  /** A REST client for the bridge started here. */
  client: BridgeClient;
  /** Its REST address (127.0.0.1, a free port). */
  url: string;
  /** Stops the executor (and its Chromium), then the server. */
  close(): Promise<void>;
}

/**
 * A private bridge for one MCP session: a server on a free loopback port with a random token (other local
 * processes cannot drive it), and the Node executor with its own headless Chromium connected to it.
 */
export async function launchBridge(
  options: { launch?: LaunchOptions; dialogs?: "dismiss" | "accept" | "leave" } = {},
): Promise<LaunchedBridge> {
  const token = randomBytes(18).toString("base64url");
  const server = await startBridgeServer({ port: 0, wsPort: false, token });
  try {
    const executorOptions: NodeExecutorOptions = {
      url: server.addresses.restWsUrl,
      token,
      launch: options.launch ?? {},
      ...(options.dialogs ? { dialogs: options.dialogs } : {}),
    };
    const executor = await startNodeExecutor(executorOptions);
    try {
      await executor.agent.ready(AbortSignal.timeout(30_000)); // in-process: only a broken setup takes long
    } catch (err) {
      await executor.close();
      throw err;
    }
    return {
      client: new BridgeClient({ url: server.addresses.url, token }),
      url: server.addresses.url,
      async close() {
        await executor.close();
        await server.close(100);
      },
    };
  } catch (err) {
    await server.close(100);
    throw err;
  }
}
