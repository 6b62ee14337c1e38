import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BridgeClient } from "../src/client/index.js";
import { buildExtension } from "../src/extension/build.js";
import { type LaunchedBrowser, launchChromium } from "../src/executor/index.js";
import { type BridgeServer, startBridgeServer } from "../src/server/index.js";
import { defineAgentScenario } from "./helpers/agent-scenario.js";
import { defineBrowserScenario } from "./helpers/browser-scenario.js";
import { startTestPage, type TestPage } from "./helpers/test-page.js";

let browser: LaunchedBrowser;
let server: BridgeServer;
let page: TestPage;
let client: BridgeClient;
let extDir: string;
// A Chromium start and an extension load beside other test processes on a loaded machine: generous bounds.
const BUDGET = 120_000;

beforeAll(async () => {
  [server, page] = await Promise.all([startBridgeServer({ port: 0, wsPort: 0, token: "ext-token" }), startTestPage()]);
  extDir = await mkdtemp(join(tmpdir(), "chrome-bridge-ext-"));
  await buildExtension({ outDir: extDir, serverUrl: server.addresses?.wsUrl as string, token: "ext-token" });
  browser = await launchChromium({ extensionDir: extDir, windowSize: { width: 800, height: 600 } });
  // The service worker connects on its own once Chromium has loaded the extension.
  await waitFor(() => server.hub.size === 1, { timeoutMs: 90_000, message: "extension did not connect" });
  client = new BridgeClient({ url: server.addresses?.url as string, token: "ext-token" });
}, BUDGET);

afterAll(async () => {
  await server?.close(100);
  await page?.close();
  await browser?.close();
  if (extDir) await rm(extDir, { recursive: true, force: true });
  await disposeLeftovers();
}, BUDGET);

describe("end to end through the MV3 extension", { timeout: 60_000 }, () => {
  test("the built extension is MV3 with the keep-alive requirements", async () => {
    const manifest = JSON.parse(await readFile(join(extDir, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      manifest_version: 3,
      minimum_chrome_version: "116",
      background: { service_worker: "background.js", type: "module" },
      permissions: expect.arrayContaining(["debugger", "tabs", "alarms"]),
    });
    const status = await client.status();
    expect(status.data?.connections[0]?.origin).toMatch(/^chrome-extension:\/\//);
  });

  defineBrowserScenario(() => ({ client, page }));
});

describe("agent commands through the MV3 extension", { timeout: 60_000 }, () => {
  defineAgentScenario(() => ({ client, page }), "ext");
});
