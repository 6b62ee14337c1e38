import type { CdpSession, TabHost } from "../client/cdp/tab-host.js";
import { CommandExecutionError } from "../protocol/errors.js";
import type { TabInfo } from "../protocol/rest.js";
import { type ChromeApi, type ChromeTab, chromeApi } from "./chrome-api.js";

const CDP_TIMEOUT_MS = 30_000;

/** A CDP call that never answers (hung renderer) must not block its tab's queue forever. */
function withTimeout<T>(p: Promise<T>, method: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CommandExecutionError(`CDP command '${method}' timed out after ${CDP_TIMEOUT_MS} ms`)),
      CDP_TIMEOUT_MS,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const RESTRICTED = /^(chrome|chrome-extension|devtools|edge|about):/;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function toInfo(t: ChromeTab): TabInfo {
  return {
    id: t.id as number,
    title: t.title ?? "",
    url: t.url || t.pendingUrl || "",
    active: t.active,
    windowId: t.windowId,
    index: t.index,
  };
}

/**
 * `TabHost` over chrome.tabs and chrome.debugger: attach lazily per tab, keep it while in use,
 * detach after `idleDetachMs` without commands (which also removes Chrome's "started debugging" bar).
 */
export class ChromeTabHost implements TabHost {
  readonly #chrome: ChromeApi;
  readonly #attached = new Map<number, Promise<void>>();
  readonly #idle = new Map<number, ReturnType<typeof setTimeout>>();
  readonly #inFlight = new Map<number, number>();
  readonly #loadTimeoutMs: number;
  readonly #idleDetachMs: number;

  constructor(chrome: ChromeApi = chromeApi(), options: { loadTimeoutMs?: number; idleDetachMs?: number } = {}) {
    this.#chrome = chrome;
    this.#loadTimeoutMs = options.loadTimeoutMs ?? 15_000;
    this.#idleDetachMs = options.idleDetachMs ?? 60_000;
    chrome.debugger.onDetach.addListener((source) => {
      if (source.tabId !== undefined) this.#forget(source.tabId);
    });
    chrome.tabs.onRemoved.addListener((tabId) => this.#forget(tabId));
  }

  onEvent(listener: (tabId: number, method: string, params: any) => void): void {
    this.#chrome.debugger.onEvent.addListener((source, method, params) => {
      if (source.tabId !== undefined) listener(source.tabId, method, params ?? {});
    });
  }

  async listTabs(): Promise<TabInfo[]> {
    const tabs = await this.#chrome.tabs.query({});
    return tabs.filter((t) => t.id !== undefined).map(toInfo);
  }

  async activeTabId(): Promise<number> {
    const [focused] = await this.#chrome.tabs.query({ active: true, lastFocusedWindow: true });
    const tab = focused ?? (await this.#chrome.tabs.query({ active: true }))[0];
    if (tab?.id === undefined) throw new CommandExecutionError("No active tab found");
    return tab.id;
  }

  async openTab(url: string): Promise<TabInfo> {
    const created = await this.#chrome.tabs.create({ url, active: true });
    const id = created.id as number;
    await this.#loaded(id);
    return toInfo(await this.#chrome.tabs.get(id));
  }

  async closeTab(tabId: number): Promise<void> {
    await this.#chrome.tabs.remove(tabId);
    this.#forget(tabId);
  }

  async activateTab(tabId: number): Promise<void> {
    const tab = await this.#chrome.tabs.update(tabId, { active: true });
    await this.#chrome.windows.update(tab.windowId, { focused: true }).catch(() => {});
  }

  async session(tabId: number): Promise<CdpSession> {
    await this.#attach(tabId);
    const target = { tabId };
    return {
      send: async <T>(method: string, params?: Record<string, unknown>) => {
        this.#busy(tabId, 1);
        try {
          await this.#attach(tabId); // re-attaches if it was detached while idle
          return (await withTimeout(this.#chrome.debugger.sendCommand(target, method, params ?? {}), method)) as T;
        } catch (e) {
          if (e instanceof CommandExecutionError) throw e;
          throw new CommandExecutionError(`Failed to send CDP command '${method}': ${message(e)}`);
        } finally {
          this.#busy(tabId, -1);
        }
      },
    };
  }

  /** Counts CDP calls in flight per tab; the idle timer runs only while none are. */
  #busy(tabId: number, delta: 1 | -1): void {
    const n = Math.max(0, (this.#inFlight.get(tabId) ?? 0) + delta);
    this.#inFlight.set(tabId, n);
    clearTimeout(this.#idle.get(tabId));
    if (n > 0 || !this.#attached.has(tabId)) return;
    this.#idle.set(
      tabId,
      setTimeout(() => {
        this.#forget(tabId);
        void this.#chrome.debugger.detach({ tabId }).catch(() => {});
      }, this.#idleDetachMs),
    );
  }

  #forget(tabId: number): void {
    clearTimeout(this.#idle.get(tabId));
    this.#idle.delete(tabId);
    this.#inFlight.delete(tabId);
    this.#attached.delete(tabId);
  }

  #attach(tabId: number): Promise<void> {
    let p = this.#attached.get(tabId);
    if (!p) {
      p = this.#doAttach(tabId);
      this.#attached.set(tabId, p);
      p.catch(() => this.#attached.delete(tabId));
    }
    return p;
  }

  async #doAttach(tabId: number): Promise<void> {
    const tab = await this.#chrome.tabs.get(tabId); // throws "No tab with id: N."
    const url = tab.url || tab.pendingUrl || "";
    if (RESTRICTED.test(url) && url !== "about:blank") {
      throw new CommandExecutionError(
        `Failed to attach debugger to tab: ${url.split(":")[0]}: pages cannot be debugged`,
      );
    }
    try {
      await this.#chrome.debugger.attach({ tabId }, "1.3");
    } catch (e) {
      // Left attached by a previous life of this service worker: take it over.
      if (!/already attached/i.test(message(e)))
        throw new CommandExecutionError(`Failed to attach debugger to tab: ${message(e)}`);
      await this.#chrome.debugger.detach({ tabId }).catch(() => {});
      await this.#chrome.debugger.attach({ tabId }, "1.3").catch((e2: unknown) => {
        throw new CommandExecutionError(`Failed to attach debugger to tab: ${message(e2)}`);
      });
    }
    // Page events (loads, JavaScript dialogs) and Runtime's (console messages, page errors) for every
    // attached tab.
    await this.#chrome.debugger.sendCommand({ tabId }, "Page.enable", {}).catch(() => {});
    await this.#chrome.debugger.sendCommand({ tabId }, "Runtime.enable", {}).catch(() => {});
  }

  /** Waits for status "complete" so `url` and `title` are meaningful (a slow page still counts as opened). */
  #loaded(tabId: number): Promise<void> {
    return new Promise((resolve) => {
      const tabs = this.#chrome.tabs;
      const done = () => {
        clearTimeout(timer);
        tabs.onUpdated.removeListener(onUpdated);
        resolve();
      };
      const onUpdated = (id: number, change: { status?: string }) => {
        if (id === tabId && change.status === "complete") done();
      };
      const timer = setTimeout(done, this.#loadTimeoutMs);
      tabs.onUpdated.addListener(onUpdated);
      void tabs.get(tabId).then(
        (t) => t.status === "complete" && done(),
        () => done(),
      );
    });
  }
}
