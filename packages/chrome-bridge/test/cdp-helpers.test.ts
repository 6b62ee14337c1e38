import { describe, expect, test } from "vitest";
import {
  imageSize,
  keyDefinition,
  MODIFIER_BITS,
  modifierMask,
  normaliseModifiers,
  parseCommand,
  type TabHost,
} from "../src/client/index.js";

describe("key table and modifiers", () => {
  test("CDP modifier bits are Alt=1 Ctrl=2 Meta=4 Shift=8, aliases included", () => {
    expect(MODIFIER_BITS).toEqual({ Alt: 1, Control: 2, Meta: 4, Shift: 8 });
    expect(normaliseModifiers(["shift", "Ctrl", "Control", "Option", "Cmd"])).toEqual([
      "Control",
      "Shift",
      "Alt",
      "Meta",
    ]);
    expect(modifierMask(normaliseModifiers(["Control", "Shift"]))).toBe(10);
  });

  test("named keys, letters, digits, punctuation and F-keys have codes and virtual key codes", () => {
    expect(keyDefinition("Enter")).toEqual({ key: "Enter", code: "Enter", keyCode: 13, text: "\r" });
    expect(keyDefinition("esc")).toMatchObject({ key: "Escape", keyCode: 27 });
    expect(keyDefinition("A")).toMatchObject({ key: "A", code: "KeyA", keyCode: 65, text: "A" });
    expect(keyDefinition("z")).toMatchObject({ code: "KeyZ", keyCode: 90, shiftKey: "Z" });
    expect(keyDefinition("7")).toMatchObject({ code: "Digit7", keyCode: 55, shiftKey: "&" });
    expect(keyDefinition("?")).toMatchObject({ code: "Slash", keyCode: 191 });
    expect(keyDefinition("F12")).toMatchObject({ key: "F12", code: "F12", keyCode: 123 });
    expect(keyDefinition("é")).toMatchObject({ key: "é", text: "é" });
    expect(keyDefinition("NoSuchKey")).toBeUndefined();
  });
});

describe("image size", () => {
  test("reads PNG and JPEG headers", () => {
    const png = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
    png.writeUInt32BE(640, 16);
    png.writeUInt32BE(480, 20);
    expect(imageSize(png.toString("base64"))).toEqual({ width: 640, height: 480 });
    // SOI, an APP0 segment, then SOF0 with height 300, width 500.
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x01, 0xf4, 0x03, 0, 0,
      0, 0,
    ]);
    expect(imageSize(jpeg.toString("base64"))).toEqual({ width: 500, height: 300 });
    expect(imageSize(Buffer.from("not an image").toString("base64"))).toEqual({ width: 0, height: 0 });
  });
});

describe("parseCommand", () => {
  test("applies documented defaults and drops nulls", () => {
    expect(parseCommand({ type: "screenshot", tab_id: null, timestamp: null, command_id: "s" })).toEqual({
      type: "screenshot",
      include_cursor: true,
      quality: 85,
      format: "jpeg",
      command_id: "s",
    });
    expect(parseCommand({ type: "mouse_click", double: true, count: 3 })).toMatchObject({ count: 3 });
    expect(parseCommand({ type: "mouse_scroll" })).toEqual({ type: "mouse_scroll", direction: "down", amount: 100 });
  });
});

describe("pointer state", () => {
  test("is per tab and bounded: the least recently moved tab is forgotten past the limit", async () => {
    const { MouseState } = await import("../src/client/cdp/mouse-state.js");
    const m = new MouseState(3);
    expect(m.get(1)).toEqual({ x: 0, y: 0 });
    for (const id of [1, 2, 3]) m.set(id, id, id * 10);
    m.set(1, 5, 5); // tab 1 moved again: now the most recent
    m.set(4, 4, 40);
    expect(m.size).toBe(3);
    expect(m.get(2)).toEqual({ x: 0, y: 0 }); // forgotten
    expect(m.get(1)).toEqual({ x: 5, y: 5 });
    expect(m.get(3)).toEqual({ x: 3, y: 30 });
  });
});

describe("CdpCommandExecutor", () => {
  test("a command without tab_id asks for the active tab once: queueKey's answer is the tab it runs on", async () => {
    const { CdpCommandExecutor } = await import("../src/client/index.js");
    let asked = 0;
    const sent: string[] = [];
    const host = {
      onEvent: () => {},
      activeTabId: async () => {
        asked++;
        return 3;
      },
      session: async (tabId: number) => ({
        send: async (method: string) => {
          sent.push(`${tabId} ${method}`);
          return {};
        },
      }),
    } as unknown as TabHost;
    const ex = new CdpCommandExecutor(host);
    const c = parseCommand({ type: "keyboard_type", text: "hi" });
    expect(await ex.queueKey(c)).toBe("tab:3");
    expect(await ex.execute(c)).toMatchObject({ data: { tab_id: 3 } });
    expect(asked).toBe(1);
    expect(sent).toEqual(["3 Input.insertText"]);
    await ex.execute(c); // run again without queueKey: the active tab is asked afresh
    expect(asked).toBe(2);
  });

  /** A host whose Page.navigate answer comes after the events `before` emits (as when several arrive in one read). */
  function navHost(before: (emit: (method: string, params: unknown) => void) => void) {
    let listener: (tabId: number, method: string, params: unknown) => void = () => {};
    const emit = (method: string, params: unknown) => listener(1, method, params);
    const host = {
      onEvent: (l: typeof listener) => {
        listener = l;
      },
      activeTabId: async () => 1,
      session: async () => ({
        send: async (method: string) => {
          if (method === "Page.getFrameTree") return { frameTree: { frame: { id: "F" } } };
          if (method === "Runtime.evaluate") return { result: { value: { url: "http://x/", title: "X" } } };
          if (method === "Page.navigate") {
            before(emit);
            return { frameId: "F", loaderId: "NEW" };
          }
          return {};
        },
      }),
    } as unknown as TabHost;
    return { host, emit };
  }
  const committed = (loaderId: string) => ({ frame: { id: "F", loaderId }, type: "Navigation" });

  test("navigate: a late load event of an earlier document does not end the wait", async () => {
    const { CdpCommandExecutor } = await import("../src/client/index.js");
    const { host, emit } = navHost((e) => {
      e("Page.frameNavigated", committed("OLD"));
      e("Page.loadEventFired", {});
    });
    const ex = new CdpCommandExecutor(host);
    let done = false;
    const nav = ex.execute(parseCommand({ type: "navigate", url: "http://x/", tab_id: 1 })).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    emit("Page.frameNavigated", committed("NEW"));
    emit("Page.loadEventFired", {});
    expect(await nav).toMatchObject({ data: { url: "http://x/", title: "X" } });
  });

  test("navigate: its own load event handled before the answer to Page.navigate still counts", async () => {
    const { CdpCommandExecutor } = await import("../src/client/index.js");
    const { host } = navHost((e) => {
      e("Page.frameNavigated", committed("NEW"));
      e("Page.loadEventFired", {});
    });
    const ex = new CdpCommandExecutor(host);
    const r = await ex.execute(parseCommand({ type: "navigate", url: "http://x/", tab_id: 1, timeout: 60 }));
    expect(r).toMatchObject({ message: "Navigated to http://x/" });
  });
});
