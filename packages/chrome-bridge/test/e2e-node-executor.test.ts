import { disposeLeftovers } from "@proj/ws-core/testing";
import { afterAll, beforeAll, describe } from "vitest";
import { BridgeClient } from "../src/client/index.js";
import { type LaunchedBrowser, launchChromium, type NodeExecutor, startNodeExecutor } from "../src/executor/index.js";
import { type BridgeServer, startBridgeServer } from "../src/server/index.js";
import { defineBrowserScenario } from "./helpers/browser-scenario.js";
import { startTestPage, type TestPage } from "./helpers/test-page.js";

let browser: LaunchedBrowser;
let server: BridgeServer;
let executor: NodeExecutor;
let page: TestPage;
let client: BridgeClient;

beforeAll(async () => {
  [browser, server, page] = await Promise.all([
    launchChromium({ windowSize: { width: 800, height: 600 } }),
    startBridgeServer({ port: 0, wsPort: 0 }),
    startTestPage(),
  ]);
  executor = await startNodeExecutor({ url: server.addresses?.wsUrl as string, cdp: browser.wsEndpoint });
  await executor.agent.ready();
  client = new BridgeClient({ url: server.addresses?.url as string });
});

afterAll(async () => {
  await executor?.close();
  await server?.close(100);
  await page?.close();
  await browser?.close();
  await disposeLeftovers();
});

describe("end to end through the Node executor", () => {
  defineBrowserScenario(() => ({ client, page }));
});
