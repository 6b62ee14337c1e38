import { disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { EventMessage } from "../src/client/index.js";
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
const events: EventMessage[] = [];
// A Chromium start and page loads beside other test processes on a loaded machine: generous bounds, event waits.
const BUDGET = 120_000;

beforeAll(async () => {
  [browser, server, page] = await Promise.all([
    launchChromium({ windowSize: { width: 800, height: 600 } }),
    startBridgeServer({ port: 0, wsPort: 0 }),
    startTestPage(),
  ]);
  executor = await startNodeExecutor({ url: server.addresses?.wsUrl as string, cdp: browser.wsEndpoint });
  server.hub.on("event", (e) => events.push(e));
  await executor.agent.ready();
  client = new BridgeClient({ url: server.addresses?.url as string });
}, BUDGET);

afterAll(async () => {
  await executor?.close();
  await server?.close(100);
  await page?.close();
  await browser?.close();
  await disposeLeftovers();
}, BUDGET);

describe("end to end through the Node executor", { timeout: 60_000 }, () => {
  defineBrowserScenario(() => ({ client, page }));

  test("screenshots are followed by the documented screenshot_captured event", () => {
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toEqual({
      type: "event",
      event: "screenshot_captured",
      data: { tab_id: expect.any(Number), timestamp: expect.any(Number) },
      timestamp: expect.any(Number),
    });
  });

  test("when the browser goes away the executor leaves the server, which then answers 503", async () => {
    await browser.close(); // kills Chromium's process group
    expect(await executor.closed).toEqual({ reason: "browser-lost" });
    await waitFor(() => server.hub.size === 0);
    const r = await fetch(`${server.addresses?.url}/tabs`);
    expect(r.status).toBe(503);
  });
});
