import { waitFor } from "@proj/ws-core/testing";
import { expect, test } from "vitest";
import type { BridgeClient, SnapshotData, SnapshotElement } from "../../src/client/index.js";
import type { TestPage } from "./test-page.js";

export interface AgentScenarioContext {
  client: BridgeClient;
  page: TestPage;
}

/** Size of a PNG from its IHDR chunk. */
const pngSize = (dataUrl: string) => {
  const b = Buffer.from(dataUrl.slice(dataUrl.indexOf(",") + 1), "base64");
  expect(b.subarray(1, 4).toString()).toBe("PNG");
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
};

/**
 * The agent commands both executors must pass, through the browser-safe REST client, the server and the
 * executor into Chromium: navigation, evaluate, wait_for, snapshot with refs, click/fill/type by ref or
 * selector, console, full-page and element screenshots. Tests run in order on one tab.
 */
export function defineAgentScenario(ctx: () => AgentScenarioContext, name: string): void {
  let snap: SnapshotData;
  const el = (pred: (e: SnapshotElement) => boolean): SnapshotElement => {
    const found = snap.elements.find(pred);
    expect(found).toBeDefined();
    return found as SnapshotElement;
  };

  test("navigate, go_back, go_forward, reload", async () => {
    const { client, page } = ctx();
    const opened = await client.openTab(page.agentUrl(`${name}a`));
    expect(opened).toMatchObject({ success: true, data: { url: page.agentUrl(`${name}a`) } });
    const nav = await client.navigate(page.formUrl(name));
    expect(nav).toMatchObject({ success: true, data: { url: page.formUrl(name), title: `Form ${name}` } });
    const back = await client.goBack();
    expect(back).toMatchObject({ success: true, data: { url: page.agentUrl(`${name}a`) } });
    const fwd = await client.goForward();
    expect(fwd).toMatchObject({ success: true, data: { url: page.formUrl(name), title: `Form ${name}` } });
    await client.evaluate("window.marker = 1");
    expect(await client.reload()).toMatchObject({ success: true, data: { url: page.formUrl(name) } });
    expect((await client.evaluate("typeof window.marker")).data?.value).toBe("undefined");
    expect(await client.goForward()).toMatchObject({ success: false, error: "Cannot go forward: no history entry" });
    const bad = await client.navigate("http://127.0.0.1:1/");
    expect(bad.success).toBe(false);
    expect(bad.error).toMatch(/failed: net::ERR_/);
    expect(await client.navigate(page.formUrl(name))).toMatchObject({ success: true });
  });

  test("evaluate: expressions, function bodies, promises, exceptions", async () => {
    const { client } = ctx();
    expect((await client.evaluate("document.title")).data).toMatchObject({ type: "string", value: `Form ${name}` });
    const ids = await client.evaluate("return [...document.querySelectorAll('button')].map((b) => b.id);", {
      function: true,
    });
    expect(ids.data?.value).toEqual(["greet", "hidden", "far"]);
    expect((await client.evaluate("new Promise((r) => setTimeout(() => r({ a: [1, 2] }), 10))")).data?.value).toEqual({
      a: [1, 2],
    });
    const big = await client.evaluate("'x'.repeat(9 * 1024 * 1024)");
    expect(big).toMatchObject({ success: false });
    expect(big.error).toMatch(/^Evaluation result too large: 9437184 characters/);
    const thrown = await client.evaluate("throw new TypeError('nope')");
    expect(thrown.success).toBe(false);
    expect(thrown.error).toMatch(/^Evaluation failed: TypeError: nope/);
  });

  test("snapshot: interactive elements with role, name, value, centre and refs stable across snapshots", async () => {
    const { client } = ctx();
    const r = await client.snapshot();
    expect(r.success).toBe(true);
    snap = r.data as SnapshotData;
    expect(snap).toMatchObject({ title: `Form ${name}`, viewport: { width: expect.any(Number) } });
    const field = el((e) => e.role === "textbox" && e.name === "Your name");
    expect(field).toMatchObject({ ref: expect.stringMatching(/^e\d+$/), value: "" });
    expect(el((e) => e.role === "combobox")).toMatchObject({ name: "Colour", value: "Red" });
    expect(el((e) => e.role === "checkbox")).toMatchObject({ name: "I agree", checked: false });
    expect(el((e) => e.name === "Notes")).toMatchObject({ role: "textbox", value: "old" });
    expect(el((e) => e.name === "Far away")).toMatchObject({ role: "button", offscreen: true });
    expect(snap.elements.some((e) => e.name === "Invisible")).toBe(false);
    // The centre is where the element is.
    const rect = await client.evaluate<{ x: number; y: number }>(
      "(() => { const b = document.getElementById('greet').getBoundingClientRect(); return { x: Math.round(b.left + b.width / 2), y: Math.round(b.top + b.height / 2) }; })()",
    );
    expect(el((e) => e.name === "Greet")).toMatchObject(rect.data?.value as object);
    expect(snap.text).toContain("Nothing yet");
    const again = (await client.snapshot({ max_text: 5, max_elements: 2 })).data as SnapshotData;
    expect(again.elements.map((e) => e.ref)).toEqual(snap.elements.slice(0, 2).map((e) => e.ref));
    expect(again).toMatchObject({ text: "Your ", text_truncated: true, more_elements: snap.elements.length - 2 });
  });

  test("fill and type by ref and selector, click by ref, read the result", async () => {
    const { client, page } = ctx();
    const field = el((e) => e.name === "Your name");
    expect(await client.fill({ ref: field.ref }, "Ada")).toMatchObject({
      success: true,
      data: { ref: field.ref, value: "Ada" },
    });
    await page.waitForEvent((e) => e.page === `form-${name}` && e.type === "input" && e.value === "Ada");
    expect((await client.type(" Lovelace", { ref: field.ref })).data).toMatchObject({ ref: field.ref });
    expect((await client.fill({ selector: "#colour" }, "Green")).data).toMatchObject({ value: "g" });
    expect((await client.fill({ selector: "#notes" }, "")).data).toMatchObject({ value: "" });
    const greet = el((e) => e.name === "Greet");
    const click = await client.click({ ref: greet.ref });
    expect(click).toMatchObject({ success: true, data: { ref: greet.ref, position: { x: greet.x, y: greet.y } } });
    const ev = await page.waitForEvent((e) => e.page === `form-${name}` && e.type === "greet");
    expect(ev).toMatchObject({ name: "Ada Lovelace", colour: "g", notes: "" });
    expect((await client.evaluate("document.getElementById('out').textContent")).data?.value).toBe(
      "Hello, Ada Lovelace (g)",
    );
    // An element below the fold is scrolled into view and clicked.
    expect((await client.click({ selector: "#far" })).success).toBe(true);
    expect((await client.evaluate("document.getElementById('out').textContent")).data?.value).toBe("far clicked");
    // An element under an overlay: the click lands on the overlay, and the answer says so.
    await client.evaluate(
      "(() => { const d = document.createElement('div'); d.id = 'cover'; d.style.cssText = 'position:fixed;inset:0'; document.body.append(d); })()",
    );
    expect((await client.click({ selector: "#greet" })).data).toMatchObject({ covered_by: "div#cover" });
    expect((await client.type("x", { selector: "#box" })).error).toBe(
      "#box cannot take the focus (not a field or editable element)",
    );
    await client.evaluate("document.getElementById('cover').remove()");
    // Bad targets are errors naming them.
    expect((await client.click({ selector: "#nope" })).error).toBe('no element matches "#nope"');
    expect((await client.click({ selector: "#hidden" })).error).toBe("#hidden is not visible");
    expect((await client.fill({ ref: "e999999" }, "x")).error).toMatch(/^ref e999999 is not on the page/);
    expect((await client.fill({ selector: "#agree" }, "x")).error).toMatch(/^fill needs a text field/);
    await expect(client.command({ type: "fill", value: "x" })).rejects.toMatchObject({ status: 422 });
  });

  test("wait_for: a selector appearing, hidden, a text, a navigation; a timeout is an error", async () => {
    const { client, page } = ctx();
    await client.evaluate(
      "setTimeout(() => { const p = document.createElement('p'); p.id = 'late'; p.textContent = 'Arrived late'; document.body.append(p); }, 300)",
    );
    expect(await client.waitFor({ selector: "#late" })).toMatchObject({
      success: true,
      data: { elapsed: expect.any(Number) },
    });
    expect((await client.waitFor({ text: "Arrived late" })).success).toBe(true);
    expect((await client.waitFor({ selector: "#hidden", state: "hidden" })).success).toBe(true);
    expect((await client.waitFor({ selector: "#hidden", state: "attached" })).success).toBe(true);
    const timedOut = await client.waitFor({ selector: "#never", timeout: 0.5 });
    expect(timedOut).toMatchObject({ success: false, error: "wait_for: #never visible not reached within 0.5 s" });
    // A navigation the page starts itself, waited for by URL across the document change.
    await client.evaluate(`setTimeout(() => { location.href = ${JSON.stringify(page.agentUrl(`${name}b`))}; }, 200)`);
    const nav = await client.waitFor({ navigation: true, url: `/agent/${name}b` });
    expect(nav).toMatchObject({ success: true, data: { url: page.agentUrl(`${name}b`), title: `Agent ${name}b` } });
    await expect(client.command({ type: "wait_for", text: "a", selector: "b" })).rejects.toMatchObject({
      status: 422,
    });
    expect(await client.navigate(page.formUrl(name))).toMatchObject({ success: true });
  });

  test("console: messages and page errors of the tab", async () => {
    const { client } = ctx();
    await client.evaluate("setTimeout(() => { throw new RangeError('late failure'); }, 0); console.error('bad', 1)");
    // The page error arrives as an event after the timer: poll the command until it is there.
    const msgs = await waitFor(
      async () => {
        const m = (await client.console()).data?.messages ?? [];
        return m.some((x) => x.kind === "pageerror") ? m : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, message: "page error not reported" },
    );
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: "log", kind: "console", text: "form ready 42 {a: 1}" }),
        expect.objectContaining({ level: "warning", text: "careful" }),
        expect.objectContaining({ level: "error", kind: "console", text: "bad 1" }),
        expect.objectContaining({
          level: "error",
          kind: "pageerror",
          text: expect.stringContaining("RangeError: late failure"),
        }),
      ]),
    );
    const cleared = await client.console({ clear: true });
    expect(cleared.data?.messages.length).toBe(msgs.length);
    expect((await client.console()).data?.messages).toEqual([]);
  });

  test("screenshot of the full page and of one element", async () => {
    const { client } = ctx();
    const vp = snap.viewport;
    const full = await client.screenshot({ format: "png", full_page: true });
    expect(full).toMatchObject({ success: true, data: { full_page: true, truncated: false } });
    const fullSize = pngSize(full.data?.imageData as string);
    expect(fullSize.height).toBeGreaterThanOrEqual(2500);
    expect(fullSize.width).toBeGreaterThanOrEqual(vp.width - 20); // the scrollbar may or may not count
    const box = await client.screenshot({ format: "png", selector: "#box" });
    expect(box.success).toBe(true);
    expect(pngSize(box.data?.imageData as string)).toEqual({ width: 150, height: 50 });
    await expect(client.screenshot({ full_page: true, selector: "#box" })).rejects.toMatchObject({ status: 422 });
  });

  test("an alert() opened by a click is dismissed and reported, and the tab keeps working", async () => {
    const { client, page } = ctx();
    await client.navigate(page.agentUrl(`${name}c`));
    const r = await client.click({ selector: "#alert" });
    expect(r.success).toBe(true);
    expect(r.data?.dialogs).toEqual([expect.objectContaining({ type: "alert", message: "hi", action: "dismissed" })]);
    await page.waitForEvent((e) => e.page === `agent-${name}c` && e.type === "after-alert");
    expect((await client.screenshot()).success).toBe(true);
  });
}
