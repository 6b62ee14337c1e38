import { existsSync } from "node:fs";
import { startNodeExecutor } from "@proj/chrome-bridge/executor";
import { BridgeServer } from "@proj/chrome-bridge/server";
import type { MountContext, Mounted } from "../mount.js";

export const BRIDGE_BASE = "/bridge";
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * The chrome-bridge relay under /bridge (REST, and its WebSocket at /bridge/ws), with the Node executor
 * driving a headless Chromium when one is installed. Without Chromium the panel says how to get it.
 */
export async function mountBrowser(ctx: MountContext): Promise<Mounted> {
  const { bindHost, allowedOrigins, allowedHosts } = ctx.access;
  const bridge = new BridgeServer({
    basePath: BRIDGE_BASE,
    ...(bindHost ? { host: bindHost } : {}),
    ...(allowedOrigins ? { allowedOrigins } : {}),
    ...(allowedHosts ? { allowedHosts } : {}),
    log: (line) => console.error(`chrome-bridge: ${line}`),
  });
  const available = existsSync(CHROMIUM);
  let executor: Awaited<ReturnType<typeof startNodeExecutor>> | undefined;
  const mounted: Mounted = {
    name: "chrome-bridge",
    routes: { [`${BRIDGE_BASE}/ws`]: bridge },
    handle: (req, res) => {
      if (!req.url?.startsWith(BRIDGE_BASE)) return false;
      void bridge.handleRequest(req, res);
      return true;
    },
    info: { base: BRIDGE_BASE, chromium: available, chromiumPath: CHROMIUM },
    // The executor connects to this same server, so it starts once /bridge/ws is routed.
    start: async () => {
      if (!available) return;
      try {
        executor = await startNodeExecutor({
          url: `${ctx.baseUrl.replace(/^http/, "ws")}${BRIDGE_BASE}/ws`,
          launch: { executablePath: CHROMIUM },
        });
        await executor.agent.ready();
      } catch (err) {
        mounted.info = { ...mounted.info, chromium: false, error: (err as Error).message };
      }
    },
    close: async () => {
      await executor?.close();
      await bridge.close();
    },
  };
  return mounted;
}
