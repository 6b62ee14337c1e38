import { afterEach, describe, expect, test, vi } from "vitest";
import type { ChromeApi, ChromeTab } from "../src/extension/chrome-api.js";
import { ChromeTabHost } from "../src/extension/chrome-tab-host.js";

/** A scripted chrome.* with two tabs; records debugger calls. */
function fakeChrome(tabs: ChromeTab[], attachError?: string) {
  const calls: string[] = [];
  const listeners = { detach: [] as Array<(s: { tabId?: number }) => void> };
  let attachFailsOnce = attachError;
  const event = () => ({ addListener: () => {}, removeListener: () => {} });
  const chrome = {
    tabs: {
      query: async (q: Record<string, unknown>) => tabs.filter((t) => !q.active || t.active),
      get: async (id: number) => {
        const t = tabs.find((x) => x.id === id);
        if (!t) throw new Error(`No tab with id: ${id}.`);
        return t;
      },
      create: async () => tabs[0],
      remove: async () => {},
      update: async (id: number) => tabs.find((t) => t.id === id),
      onUpdated: event(),
      onRemoved: event(),
    },
    windows: { update: async () => ({}) },
    debugger: {
      attach: async ({ tabId }: { tabId: number }) => {
        calls.push(`attach ${tabId}`);
        if (attachFailsOnce) {
          const e = attachFailsOnce;
          attachFailsOnce = undefined;
          throw new Error(e);
        }
      },
      detach: async ({ tabId }: { tabId: number }) => {
        calls.push(`detach ${tabId}`);
      },
      sendCommand: async (_t: { tabId: number }, method: string) => {
        calls.push(method);
        return { ok: method };
      },
      onDetach: {
        addListener: (f: (s: { tabId?: number }) => void) => listeners.detach.push(f),
        removeListener: () => {},
      },
      onEvent: event(),
    },
  } as unknown as ChromeApi;
  return { chrome, calls, listeners };
}

const TABS: ChromeTab[] = [
  { id: 1, windowId: 9, index: 0, active: false, url: "chrome://settings", title: "Settings" },
  { id: 2, windowId: 9, index: 1, active: true, url: "https://example.com/", title: "Example" },
];

afterEach(() => {
  vi.useRealTimers();
});

describe("ChromeTabHost (extension executor's browser side)", () => {
  test("lists tabs and finds the active one; refuses chrome:// pages", async () => {
    const { chrome } = fakeChrome(TABS);
    const host = new ChromeTabHost(chrome);
    expect(await host.listTabs()).toEqual([
      { id: 1, title: "Settings", url: "chrome://settings", active: false, windowId: 9, index: 0 },
      { id: 2, title: "Example", url: "https://example.com/", active: true, windowId: 9, index: 1 },
    ]);
    expect(await host.activeTabId()).toBe(2);
    await expect(host.session(1)).rejects.toThrow("Failed to attach debugger to tab: chrome: pages cannot be debugged");
    await expect(host.session(77)).rejects.toThrow("No tab with id: 77.");
    await expect(new ChromeTabHost(fakeChrome([]).chrome).activeTabId()).rejects.toThrow("No active tab found");
  });

  test("takes over a debugger left attached by a previous service worker", async () => {
    const { chrome, calls } = fakeChrome(TABS, "Another debugger is already attached to the tab with id: 2.");
    const s = await new ChromeTabHost(chrome).session(2);
    expect(await s.send("Page.getLayoutMetrics")).toEqual({ ok: "Page.getLayoutMetrics" });
    // Page and Runtime events (loads, dialogs, console) are enabled on every attach.
    expect(calls).toEqual([
      "attach 2",
      "detach 2",
      "attach 2",
      "Page.enable",
      "Runtime.enable",
      "Page.getLayoutMetrics",
    ]);
  });

  test("detaches after being idle and re-attaches on the next command", async () => {
    vi.useFakeTimers();
    const { chrome, calls, listeners } = fakeChrome(TABS);
    const host = new ChromeTabHost(chrome, { idleDetachMs: 1000 });
    const s = await host.session(2);
    await s.send("Input.dispatchMouseEvent");
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).not.toContain("detach 2");
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toContain("detach 2");
    await s.send("Input.insertText");
    expect(calls.slice(-4)).toEqual(["attach 2", "Page.enable", "Runtime.enable", "Input.insertText"]);
    // The user cancelling the infobar detaches us: the next command attaches again.
    for (const l of listeners.detach) l({ tabId: 2 });
    await s.send("Page.captureScreenshot");
    expect(calls.slice(-4)).toEqual(["attach 2", "Page.enable", "Runtime.enable", "Page.captureScreenshot"]);
  });
});
