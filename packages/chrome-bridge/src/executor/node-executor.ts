import { deferred } from "@proj/ws-core";
import { NodeWebSocket } from "@proj/ws-core/node";
import { BridgeAgent, type BridgeAgentOptions } from "../client/agent.js";
import { CdpCommandExecutor, type DialogPolicy } from "../client/cdp/cdp-executor.js";
import { DEFAULT_SERVER_WS_URL } from "../protocol/constants.js";
import { CdpConnection } from "./cdp-connection.js";
import { type LaunchedBrowser, type LaunchOptions, launchChromium } from "./chromium.js";
import { NodeTabHost } from "./node-tab-host.js";

export interface NodeExecutorOptions extends Omit<BridgeAgentOptions, "executor" | "WebSocket"> {
  /** Attach to a running browser's CDP endpoint (ws://.../devtools/browser/...) instead of launching one. */
  cdp?: string;
  /** Launch options when no `cdp` is given (Chromium path, window size, extra flags). */
  launch?: LaunchOptions;
  /** What happens to JavaScript dialogs: "dismiss" (default), "accept", or "leave" (for the `dialog` command). */
  dialogs?: DialogPolicy;
}

export interface NodeExecutor {
  agent: BridgeAgent;
  executor: CdpCommandExecutor;
  host: NodeTabHost;
  cdp: CdpConnection;
  /** The browser this executor launched (undefined when attached with `cdp`). */
  browser: LaunchedBrowser | undefined;
  /** The CDP endpoint in use. */
  wsEndpoint: string;
  /** Resolves when the executor stops: `close()` was called or the browser connection was lost. */
  closed: Promise<{ reason: "closed" | "browser-lost" }>;
  /** Disconnects from the server and the browser; closes the browser if it was launched here. */
  close(): Promise<void>;
}

/**
 * Starts the Node executor: launches (or attaches to) Chromium, then connects to the bridge
 * server as an extension would and runs every command over CDP. Resolves once the browser is
 * ready; `agent.ready()` resolves once the server connection is open.
 */
export async function startNodeExecutor(options: NodeExecutorOptions = {}): Promise<NodeExecutor> {
  new URL(options.url ?? DEFAULT_SERVER_WS_URL); // a bad server URL fails before any browser starts
  const browser = options.cdp ? undefined : await launchChromium(options.launch);
  const wsEndpoint = options.cdp ?? (browser as LaunchedBrowser).wsEndpoint;
  let cdp: CdpConnection | undefined;
  let host: NodeTabHost;
  try {
    cdp = await CdpConnection.connect(wsEndpoint);
    host = new NodeTabHost(cdp);
    await host.init();
  } catch (err) {
    // Nothing may outlive a failed start: not the CDP socket, not the browser launched here.
    cdp?.close();
    await browser?.close();
    throw err;
  }
  const executor = new CdpCommandExecutor(host, options.dialogs ? { dialogs: options.dialogs } : {});
  const { cdp: _c, launch: _l, dialogs: _d, ...agentOptions } = options;
  const agent = new BridgeAgent({ ...agentOptions, executor, WebSocket: NodeWebSocket }).start();
  let closing = false;
  const { promise: closed, resolve: done } = deferred<{ reason: "closed" | "browser-lost" }>();
  // Without its browser the executor can only fail commands: leave the server so it answers 503.
  cdp.once("close", () => {
    if (closing) return;
    closing = true;
    void agent
      .stop()
      .then(() => browser?.close())
      .finally(() => done({ reason: "browser-lost" }));
  });
  return {
    agent,
    executor,
    host,
    cdp,
    browser,
    wsEndpoint,
    closed,
    async close() {
      if (closing) return void (await closed);
      closing = true;
      await agent.stop();
      cdp.close();
      await browser?.close();
      done({ reason: "closed" });
    },
  };
}
