import { disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { withScheme } from "../src/protocol/commands.js";
import type { EventMessage } from "../src/protocol/messages.js";
import { type LaunchedBrowser, launchChromium, type NodeExecutor, startNodeExecutor } from "../src/executor/index.js";
import { type BridgeServer, startBridgeServer } from "../src/server/index.js";
import { BridgeClient } from "../src/client/index.js";
import { defineAgentScenario } from "./helpers/agent-scenario.js";
import { rest } from "./helpers/rest.js";
import { startTestPage, type TestPage } from "./helpers/test-page.js";

// Agent commands, dialogs and navigation errors through REST, the server and the Node executor into Chromium.
let browser: LaunchedBrowser;
let server: BridgeServer;
let executor: NodeExecutor;
let page: TestPage;
let base: string;
const events: EventMessage[] = [];
const BUDGET = 120_000;

beforeAll(async () => {
  [browser, server, page] = await Promise.all([
    launchChromium({ windowSize: { width: 800, height: 600 } }),
    startBridgeServer({ port: 0, wsPort: false }),
    startTestPage(),
  ]);
  base = server.addresses?.url as string;
  executor = await startNodeExecutor({ url: server.addresses?.restWsUrl as string, cdp: browser.wsEndpoint });
  server.hub.on("event", (e) => events.push(e));
  await executor.agent.ready();
}, BUDGET);

afterAll(async () => {
  await executor?.close();
  await server?.close(100);
  await page?.close();
  await browser?.close();
  await disposeLeftovers();
}, BUDGET);

const command = async (body: Record<string, unknown>) => (await rest(base, "POST", "/command", body)).json;

/** Puts the tracked pointer at (x, y) of the active tab. */
async function pointAt(x: number, y: number): Promise<void> {
  await command({ type: "mouse_move", dx: -5000, dy: -5000, duration: 0.01 });
  await command({ type: "mouse_move", dx: x, dy: y, duration: 0.01 });
}

describe("navigation errors", { timeout: 60_000 }, () => {
  test("host:port without a scheme is http; other scheme-less URLs get https", () => {
    expect(withScheme("localhost:9000/page2.html")).toBe("http://localhost:9000/page2.html");
    expect(withScheme("127.0.0.1:8080")).toBe("http://127.0.0.1:8080");
    expect(withScheme("example.com/a")).toBe("https://example.com/a");
    expect(withScheme("about:blank")).toBe("about:blank");
    expect(withScheme("mailto:x@example.com")).toBe("mailto:x@example.com");
  });

  test("tab open of an unreachable URL fails with the navigation error", async () => {
    const r = await command({ type: "tab", action: "open", url: "http://127.0.0.1:1/" });
    expect(r.success).toBe(false);
    expect(r.error).toMatch(/^Navigation to http:\/\/127\.0\.0\.1:1\/ failed: net::ERR_/);
  });

  test("tab open of host:port/path opens it over http", async () => {
    const hostPort = page.agentUrl("one").replace("http://", "");
    const r = await command({ type: "tab", action: "open", url: hostPort });
    expect(r).toMatchObject({ success: true, data: { url: page.agentUrl("one"), title: "Agent one" } });
  });
});

describe("agent commands", { timeout: 60_000 }, () => {
  test("navigate, go_back, go_forward, reload", async () => {
    const nav = await command({ type: "navigate", url: page.agentUrl("two") });
    expect(nav).toMatchObject({ success: true, data: { url: page.agentUrl("two"), title: "Agent two" } });
    const back = await command({ type: "go_back" });
    expect(back).toMatchObject({ success: true, data: { url: page.agentUrl("one"), title: "Agent one" } });
    const fwd = await command({ type: "go_forward" });
    expect(fwd).toMatchObject({ success: true, data: { url: page.agentUrl("two") } });
    await command({ type: "evaluate", expression: "window.marker = 1" });
    const reload = await command({ type: "reload" });
    expect(reload).toMatchObject({ success: true, data: { url: page.agentUrl("two") } });
    expect((await command({ type: "evaluate", expression: "typeof window.marker" })).data.value).toBe("undefined");
    const noFwd = await command({ type: "go_forward" });
    expect(noFwd).toMatchObject({ success: false, error: "Cannot go forward: no history entry" });
    const bad = await command({ type: "navigate", url: "http://127.0.0.1:1/" });
    expect(bad.error).toMatch(/failed: net::ERR_/);
    const badArgs = await rest(base, "POST", "/command", { type: "navigate", url: "x", wait_until: "soon" });
    expect(badArgs.status).toBe(422);
    await command({ type: "navigate", url: page.agentUrl("one") });
  });

  test("evaluate: expressions, function bodies, promises, exceptions", async () => {
    expect((await command({ type: "evaluate", expression: "document.title" })).data).toMatchObject({
      type: "string",
      value: "Agent one",
    });
    const fn = await command({
      type: "evaluate",
      function: true,
      expression: "const b = [...document.querySelectorAll('button')]; return b.map((x) => x.id);",
    });
    expect(fn.data.value).toEqual(["alert", "confirm", "prompt"]);
    expect((await command({ type: "evaluate", expression: "new Promise((r) => r({a: [1, 2]}))" })).data.value).toEqual({
      a: [1, 2],
    });
    expect((await command({ type: "evaluate", expression: "1/0" })).data.value).toBe("Infinity");
    const thrown = await command({ type: "evaluate", expression: "throw new TypeError('nope')" });
    expect(thrown).toMatchObject({ success: false });
    expect(thrown.error).toMatch(/^Evaluation failed: TypeError: nope/);
  });

  test("a click that opens alert() is answered (dismissed by default), reported, and the tab keeps working", async () => {
    await pointAt(60, 30);
    const r = await command({ type: "mouse_click" });
    expect(r.success).toBe(true);
    expect(r.data.dialogs).toEqual([
      expect.objectContaining({ type: "alert", message: "hi", action: "dismissed", tab_id: expect.any(Number) }),
    ]);
    await page.waitForEvent((e) => e.page === "agent-one" && e.type === "after-alert");
    await waitFor(() => events.find((e) => e.event === "dialog_opened"));
    expect(events.find((e) => e.event === "dialog_opened")?.data).toMatchObject({ type: "alert", message: "hi" });
    const shot = await command({ type: "screenshot", include_cursor: false });
    expect(shot.success).toBe(true);
    // confirm() dismissed is false; with "accept" it is true.
    await pointAt(60, 80);
    await command({ type: "mouse_click" });
    await page.waitForEvent((e) => e.page === "agent-one" && e.type === "confirm" && e.value === false);
    executor.executor.dialogPolicy = "accept";
    const accepted = await command({ type: "mouse_click" });
    expect(accepted.data.dialogs[0]).toMatchObject({ type: "confirm", action: "accepted" });
    await page.waitForEvent((e) => e.page === "agent-one" && e.type === "confirm" && e.value === true);
  });

  test("dialogs left open: the click returns, other commands are refused, the dialog command answers it", async () => {
    executor.executor.dialogPolicy = "leave";
    try {
      await pointAt(60, 130);
      const r = await command({ type: "mouse_click" });
      expect(r).toMatchObject({ success: true, data: { dialogs: [expect.objectContaining({ type: "prompt" })] } });
      expect(r.message).toMatch(/left open/);
      const blocked = await command({ type: "screenshot" });
      expect(blocked).toMatchObject({ success: false });
      expect(blocked.error).toMatch(/A JavaScript prompt dialog is open on tab \d+/);
      const answered = await command({ type: "dialog", action: "accept", prompt_text: "Ada" });
      expect(answered).toMatchObject({ success: true, data: { type: "prompt", action: "accept" } });
      await page.waitForEvent((e) => e.page === "agent-one" && e.type === "prompt" && e.value === "Ada");
      expect((await command({ type: "screenshot" })).success).toBe(true);
      const none = await command({ type: "dialog", action: "dismiss" });
      expect(none.error).toMatch(/^No JavaScript dialog is open on tab \d+/);
      // A tab with a dialog left open can still be closed.
      const tab = (await command({ type: "tab", action: "open", url: page.agentUrl("three") })).data.tabId;
      await pointAt(60, 30);
      expect((await command({ type: "mouse_click", tab_id: tab })).message).toMatch(/left open/);
      expect((await command({ type: "tab", action: "close", tab_id: tab })).success).toBe(true);
    } finally {
      executor.executor.dialogPolicy = "dismiss";
    }
  });
});

describe("agent commands through the Node executor (the browser-safe client)", { timeout: 60_000 }, () => {
  defineAgentScenario(() => ({ client: new BridgeClient({ url: base }), page }), "node");
});
