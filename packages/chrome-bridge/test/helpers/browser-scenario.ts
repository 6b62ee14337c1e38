import { waitFor } from "@proj/ws-core/testing";
import { expect, test } from "vitest";
import type { BridgeClient } from "../../src/client/index.js";
import type { PageEvent, TestPage } from "./test-page.js";

/** Frame size from a JPEG's SOF marker, walking the segments (independent of the executor's parser). */
function jpegSize(b: Buffer): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 9 < b.length && b[i] === 0xff) {
    const marker = b[i + 1] as number;
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    i += 2 + b.readUInt16BE(i + 2);
  }
  return undefined;
}

export interface ScenarioContext {
  client: BridgeClient;
  page: TestPage;
}

/**
 * The end-to-end checks both executors must pass: each command goes through REST, the server
 * and the executor into Chromium, and is asserted on what the test page received.
 * Tests run in order and share one tab (launching Chromium is the slow part).
 */
export function defineBrowserScenario(ctx: () => ScenarioContext): void {
  let mainTab = 0;

  test("opens the test page in a new tab and makes it active", async () => {
    const { client, page } = ctx();
    const r = await client.openTab(page.pageUrl("main"));
    expect(r).toMatchObject({ success: true, message: "Tab opened successfully" });
    expect(r.data).toMatchObject({ tabId: expect.any(Number), url: page.pageUrl("main") });
    mainTab = r.data?.tabId as number;
    await page.waitForEvent((e) => e.page === "main" && e.type === "load");
    const tabs = await client.tabs();
    expect(tabs.data?.tabs.find((t) => t.id === mainTab)).toMatchObject({
      active: true,
      title: "Bridge Test Page main",
    });
  });

  test("mouse_move is relative to the tracked pointer and interpolated over its duration", async () => {
    const { client, page } = ctx();
    const r = await client.mouseMove(200, 150, { duration: 0.2 });
    expect(r).toMatchObject({ success: true, message: "Mouse moved by (200, 150) pixels" });
    expect(r.data).toMatchObject({ dx: 200, dy: 150, duration: 0.2, tab_id: mainTab, position: { x: 200, y: 150 } });
    await page.waitForEvent((e) => e.page === "main" && e.type === "mousemove" && e.x === 200 && e.y === 150);
    const path = page.eventsOf("main", "mousemove").filter((e) => e.x <= 200 && e.y <= 150);
    expect(path.length).toBeGreaterThan(2); // intermediate points, not one jump
    await client.mouseMove(-50, 10);
    await page.waitForEvent((e) => e.type === "mousemove" && e.x === 150 && e.y === 160);
  });

  test("mouse_click clicks at the pointer", async () => {
    const { client, page } = ctx();
    const r = await client.click();
    expect(r).toMatchObject({
      success: true,
      message: "Mouse clicked with left button",
      data: { button: "left", count: 1 },
    });
    const click = await page.waitForEvent((e) => e.type === "click" && e.x === 150 && e.y === 160);
    expect(click).toMatchObject({ button: 0, detail: 1 });
  });

  test("double click sends click counts 1 and 2 and fires dblclick", async () => {
    const { client, page } = ctx();
    await client.mouseMove(5, 0, { duration: 0.02 });
    const r = await client.click({ double: true });
    expect(r.data).toMatchObject({ count: 2 });
    const dbl = await page.waitForEvent((e) => e.type === "dblclick" && e.x === 155);
    expect(dbl.detail).toBe(2);
    // Page reports travel as separate requests: wait for both clicks rather than assume arrival order.
    const clicks = await waitFor(() => {
      const c = page.eventsOf("main", "click").filter((e) => e.x === 155);
      return c.length >= 2 ? c : undefined;
    });
    expect(clicks.map((e) => e.detail)).toEqual([1, 2]);
  });

  test("right click opens the context menu event", async () => {
    const { client, page } = ctx();
    const r = await client.click({ button: "right" });
    expect(r.message).toBe("Mouse clicked with right button");
    const menu = await page.waitForEvent((e) => e.type === "contextmenu" && e.x === 155);
    expect(menu.button).toBe(2);
  });

  test("include_cursor draws the pointer into the capture and leaves the page as it was", async () => {
    const { client } = ctx();
    const png = async (include_cursor: boolean) => {
      const r = await client.screenshot({ format: "png", include_cursor });
      expect(r.data).toMatchObject({ includeCursor: include_cursor, cursor: { x: 155, y: 160 } });
      return Buffer.from(String(r.data?.imageData).split(",")[1] as string, "base64");
    };
    const plain = await png(false);
    const withCursor = await png(true);
    const plainAgain = await png(false);
    expect(plainAgain.equals(plain)).toBe(true); // the overlay is gone again
    expect(withCursor.equals(plain)).toBe(false);
  });

  test("mouse_scroll sends wheel events at the pointer", async () => {
    const { client, page } = ctx();
    const down = await client.scroll("down", 120);
    expect(down).toMatchObject({ success: true, message: "Scrolled down by 120 pixels" });
    expect(await page.waitForEvent((e) => e.type === "wheel" && e.deltaY === 120)).toMatchObject({
      x: 155,
      y: 160,
      deltaX: 0,
    });
    await client.scroll("left", 30);
    await page.waitForEvent((e) => e.type === "wheel" && e.deltaX === -30);
  });

  test("keyboard_type types Unicode text into the focused field", async () => {
    const { client, page } = ctx();
    await client.mouseMove(0, 255, { duration: 0.02 }); // onto the fixed input at y 400..430
    await client.click();
    await page.waitForEvent((e) => e.type === "click" && e.y === 415);
    const text = "héllo wörld ✓ 😀";
    const r = await client.type(text);
    expect(r).toMatchObject({ success: true, message: `Typed: ${text}`, data: { text, length: 15 } });
    await page.waitForEvent((e) => e.type === "input" && e.value === text);
  });

  test("keyboard_press sends keys with the right modifier bits", async () => {
    const { client, page } = ctx();
    const enter = await client.press("Enter");
    expect(enter.message).toBe("Pressed Enter");
    expect(await page.waitForEvent((e) => e.type === "keydown" && e.key === "Enter")).toMatchObject({
      code: "Enter",
      ctrl: false,
      shift: false,
      alt: false,
      meta: false,
    });
    const combo = await client.press("a", ["Control", "Shift"]);
    expect(combo.message).toBe("Pressed a with modifiers Control,Shift");
    expect(await page.waitForEvent((e) => e.type === "keydown" && e.code === "KeyA")).toMatchObject({
      key: "A",
      ctrl: true,
      shift: true,
      alt: false,
      meta: false,
    });
    await page.waitForEvent((e) => e.type === "keydown" && e.key === "Control" && e.ctrl);
    await client.press("x", ["Option"]);
    expect(await page.waitForEvent((e) => e.type === "keydown" && e.code === "KeyX")).toMatchObject({
      alt: true,
      ctrl: false,
    });
    await client.press("k", ["Cmd"]);
    expect(await page.waitForEvent((e) => e.type === "keydown" && e.code === "KeyK")).toMatchObject({
      meta: true,
      shift: false,
    });
    const bad = await client.press("NoSuchKey");
    expect(bad).toMatchObject({ success: false, error: "Unknown key: NoSuchKey" });
  });

  test("screenshot returns a JPEG (or PNG) of the viewport's size", async () => {
    const { client, page } = ctx();
    // The extension's "started debugging" infobar shrinks the viewport after load: use the latest size.
    const sized = page.eventsOf("main").filter((e) => e.type === "load" || e.type === "resize");
    const viewport = sized.at(-1) as PageEvent;
    const r = await client.screenshot({ quality: 70 });
    expect(r).toMatchObject({ success: true, message: "Screenshot captured" });
    const d = r.data as NonNullable<typeof r.data>;
    expect(d).toMatchObject({ format: "jpeg", quality: 70, includeCursor: true, tab_id: mainTab });
    const [prefix, b64] = d.imageData.split(",");
    expect(prefix).toBe("data:image/jpeg;base64");
    const bytes = Buffer.from(b64 as string, "base64");
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    expect(jpegSize(bytes)).toEqual({ width: d.width, height: d.height }); // read from the bytes themselves
    expect({ width: d.width, height: d.height }).toEqual({
      width: Math.round(viewport.width * viewport.dpr),
      height: Math.round(viewport.height * viewport.dpr),
    });
    const png = await client.screenshot({ format: "png", tab_id: mainTab });
    const pngBytes = Buffer.from(String(png.data?.imageData).split(",")[1] as string, "base64");
    expect(pngBytes.subarray(1, 4).toString()).toBe("PNG");
    expect(pngBytes.readUInt32BE(16)).toBe(png.data?.width);
    expect(pngBytes.readUInt32BE(20)).toBe(png.data?.height);
  });

  test("tabs: open, list, switch, close", async () => {
    const { client, page } = ctx();
    const opened = await client.openTab(page.pageUrl("second"));
    const second = opened.data?.tabId as number;
    expect(second).not.toBe(mainTab);
    await page.waitForEvent((e) => e.page === "second" && e.type === "load");
    let list = await client.tabs();
    expect(list.message).toBe(`Found ${list.data?.count} tabs`);
    expect(list.data?.tabs.find((t) => t.id === second)).toMatchObject({ active: true, url: page.pageUrl("second") });
    expect(list.data?.tabs.find((t) => t.id === mainTab)).toMatchObject({ active: false });

    // Without tab_id, input goes to the active tab.
    await client.mouseMove(33, 44, { duration: 0.02 });
    await page.waitForEvent((e) => e.page === "second" && e.type === "mousemove" && e.x === 33 && e.y === 44);

    const sw = await client.switchTab(mainTab);
    expect(sw).toMatchObject({
      success: true,
      message: `Switched to tab ${mainTab}`,
      data: { tabId: mainTab, active: true },
    });
    list = await client.tabs();
    expect(list.data?.tabs.find((t) => t.id === mainTab)?.active).toBe(true);
    await client.mouseMove(1, 1, { duration: 0.02 });
    await page.waitForEvent((e) => e.page === "main" && e.type === "mousemove" && e.x === 156 && e.y === 416);

    const closed = await client.closeTab(second);
    expect(closed).toMatchObject({ success: true, message: "Tab closed successfully", data: { tabId: second } });
    list = await client.command({ type: "tab", action: "list" });
    expect((list.data?.tabs ?? []).map((t) => t.id)).not.toContain(second);
    const gone = await client.closeTab(99999);
    expect(gone).toMatchObject({ success: false, error: "No tab with id: 99999." });
  });

  test("a command_id seen before is refused by the executor", async () => {
    const { client } = ctx();
    const first = await client.command({ type: "get_tabs", command_id: "dup-e2e" });
    expect(first.success).toBe(true);
    const again = await client.command({ type: "get_tabs", command_id: "dup-e2e" });
    expect(again).toMatchObject({ success: false, error: "Duplicate command_id: dup-e2e", command_id: "dup-e2e" });
  });
}
