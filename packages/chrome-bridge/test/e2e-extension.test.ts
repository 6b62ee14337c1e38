import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BridgeClient } from "../src/client/index.js";
import { buildExtension } from "../src/extension/build.js";
import { CdpConnection } from "../src/executor/cdp-connection.js";
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

/** Runs `expression` in the extension's service worker (what a user types into its console). */
async function inServiceWorker(expression: string): Promise<unknown> {
  const cdp = await CdpConnection.connect(browser.wsEndpoint);
  try {
    const { targetInfos } = await cdp.send("Target.getTargets");
    const worker = targetInfos.find(
      (t: { type: string; url: string }) => t.type === "service_worker" && t.url.startsWith("chrome-extension://"),
    );
    if (!worker) throw new Error("the extension's service worker is not running");
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId: worker.targetId, flatten: true });
    const r = await cdp.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }, sessionId);
    if (r.exceptionDetails) throw new Error(`service worker: ${r.exceptionDetails.exception?.description}`);
    return r.result.value;
  } finally {
    cdp.close();
  }
}

async function setDialogPolicy(dialogs: string): Promise<void> {
  await inServiceWorker(`chrome.storage.local.set({ dialogs: ${JSON.stringify(dialogs)} })`);
  // storage.onChanged applies it in the worker; wait until it has.
  const want = ["dismiss", "accept", "leave"].includes(dialogs) ? dialogs : "dismiss";
  await waitFor(async () => (await inServiceWorker("chromeBridge.dialogs")) === want, {
    timeoutMs: 30_000,
    message: `the extension did not take dialogs=${dialogs}`,
  });
}

describe("the MV3 extension's dialog policy (chrome.storage.local dialogs)", { timeout: 90_000 }, () => {
  afterAll(async () => {
    await inServiceWorker(`chrome.storage.local.remove("dialogs")`).catch(() => {});
  }, BUDGET);

  test("buildExtension refuses a dialog policy that is none", async () => {
    await expect(buildExtension({ outDir: join(extDir, "never"), dialogs: "always" as never })).rejects.toThrow(
      /dialogs must be "dismiss", "accept" or "leave"/,
    );
  });

  test("dismiss by default, accept when set, leave for the dialog command, a bad value keeps the default", async () => {
    expect(await inServiceWorker("chromeBridge.dialogs")).toBe("dismiss");
    await client.navigate(page.agentUrl("extdlg"));
    const dismissed = await client.click({ selector: "#confirm" });
    expect(dismissed.data?.dialogs).toEqual([expect.objectContaining({ type: "confirm", action: "dismissed" })]);
    await page.waitForEvent((e) => e.page === "agent-extdlg" && e.type === "confirm" && e.value === false);

    await setDialogPolicy("accept");
    // The connection stays up: the policy changes without a reconnect.
    expect(server.hub.size).toBe(1);
    const accepted = await client.click({ selector: "#confirm" });
    expect(accepted.data?.dialogs).toEqual([expect.objectContaining({ type: "confirm", action: "accepted" })]);
    await page.waitForEvent((e) => e.page === "agent-extdlg" && e.type === "confirm" && e.value === true);

    await setDialogPolicy("leave");
    const left = await client.click({ selector: "#prompt" });
    expect(left).toMatchObject({
      success: true,
      data: { dialogs: [expect.objectContaining({ type: "prompt", message: "name?", action: "left open" })] },
    });
    const blocked = await client.screenshot().catch((e) => e.body);
    expect(blocked.success).toBe(false);
    expect(blocked.error).toMatch(/A JavaScript prompt dialog is open on tab \d+/);
    const answered = await client.dialog("accept", { prompt_text: "Ada" });
    expect(answered).toMatchObject({ success: true, data: { type: "prompt", action: "accept" } });
    await page.waitForEvent((e) => e.page === "agent-extdlg" && e.type === "prompt" && e.value === "Ada");
    expect((await client.screenshot()).success).toBe(true);

    // A value that is no policy is refused (the build's default applies), not passed on to the executor.
    await setDialogPolicy("always");
    const again = await client.click({ selector: "#confirm" });
    expect(again.data?.dialogs).toEqual([expect.objectContaining({ type: "confirm", action: "dismissed" })]);
  });
});
