import type { CdpSession, TabHost } from "../client/cdp/tab-host.js";
import { CommandExecutionError } from "../protocol/errors.js";
import type { TabInfo } from "../protocol/rest.js";
import type { CdpConnection } from "./cdp-connection.js";

interface TargetInfo {
  targetId: string;
  type: string;
  title: string;
  url: string;
  attached: boolean;
}

/**
 * `TabHost` over the CDP Target domain: page targets get stable integer tab ids (chrome.tabs
 * ids are integers, CDP target ids are hex strings); "active" is the last tab opened or switched to.
 */
export class NodeTabHost implements TabHost {
  readonly #cdp: CdpConnection;
  readonly #ids = new Map<string, number>();
  readonly #targets = new Map<number, string>();
  readonly #sessions = new Map<string, Promise<string>>();
  readonly #windows = new Map<string, number>();
  /** sessionId -> targetId, to report session events by tab. */
  readonly #bySession = new Map<string, string>();
  readonly #listeners: Array<(tabId: number, method: string, params: any) => void> = [];
  #nextId = 1;
  #active: number | undefined;
  readonly #loadTimeoutMs: number;

  constructor(cdp: CdpConnection, options: { loadTimeoutMs?: number } = {}) {
    this.#cdp = cdp;
    this.#loadTimeoutMs = options.loadTimeoutMs ?? 15_000;
    cdp.on("event", (e) => {
      if (e.sessionId) {
        const targetId = this.#bySession.get(e.sessionId);
        const tabId = targetId === undefined ? undefined : this.#ids.get(targetId);
        if (tabId !== undefined) for (const l of this.#listeners) l(tabId, e.method, e.params);
      }
      if (e.method === "Target.targetDestroyed") this.#forget(e.params.targetId);
      if (e.method === "Target.detachedFromTarget") {
        for (const [t, s] of this.#sessions) {
          void s.then(
            (id) => {
              if (id === e.params.sessionId && this.#sessions.get(t) === s) this.#sessions.delete(t);
            },
            () => {},
          );
        }
      }
    });
  }

  /** Starts tracking targets (so pages opened by the page itself are seen too). */
  async init(): Promise<void> {
    await this.#cdp.send("Target.setDiscoverTargets", { discover: true });
    const pages = await this.#pages();
    if (pages[0]) this.#active = this.#idFor(pages[0].targetId);
  }

  async listTabs(): Promise<TabInfo[]> {
    const pages = await this.#pages();
    // The active tab and each tab's window are usually known: no extra await (or CDP call) for them.
    const cached = this.#active !== undefined && this.#targets.has(this.#active) ? this.#active : undefined;
    const active = cached ?? (await this.activeTabId().catch(() => undefined));
    const perWindow = new Map<number, number>();
    const out: TabInfo[] = [];
    for (const p of pages) {
      const windowId = this.#windows.get(p.targetId) ?? (await this.#windowId(p.targetId));
      const index = perWindow.get(windowId) ?? 0;
      perWindow.set(windowId, index + 1);
      const id = this.#idFor(p.targetId);
      out.push({ id, title: p.title, url: p.url, active: id === active, windowId, index });
    }
    return out;
  }

  async activeTabId(): Promise<number> {
    if (this.#active !== undefined && this.#targets.has(this.#active)) return this.#active;
    const pages = await this.#pages();
    const first = pages[0];
    if (!first) throw new CommandExecutionError("No active tab found");
    this.#active = this.#idFor(first.targetId);
    return this.#active;
  }

  async openTab(url: string): Promise<TabInfo> {
    const { targetId } = await this.#cdp.send<{ targetId: string }>("Target.createTarget", { url: "about:blank" });
    const id = this.#idFor(targetId);
    const sessionId = await this.#attach(targetId);
    await this.#cdp.send("Page.enable", {}, sessionId);
    const loaded = this.#cdp.waitForEvent("Page.loadEventFired", sessionId, this.#loadTimeoutMs);
    loaded.catch(() => {});
    const nav = await this.#cdp.send<{ errorText?: string }>("Page.navigate", { url }, sessionId);
    if (!nav.errorText) await loaded.catch(() => {}); // a page that never finishes loading still counts as opened
    await this.#cdp.send("Target.activateTarget", { targetId });
    this.#active = id;
    const { targetInfo } = await this.#cdp.send<{ targetInfo: TargetInfo }>("Target.getTargetInfo", { targetId });
    return {
      id,
      title: targetInfo.title,
      url: targetInfo.url,
      active: true,
      windowId: await this.#windowId(targetId),
      index: 0,
    };
  }

  async closeTab(tabId: number): Promise<void> {
    const targetId = await this.#target(tabId);
    const destroyed = this.#cdp.waitForEvent("Target.targetDestroyed", undefined, 5000, (p) => p.targetId === targetId);
    destroyed.catch(() => {});
    await this.#cdp.send("Target.closeTarget", { targetId });
    await destroyed.catch(() => {});
    this.#forget(targetId);
  }

  async activateTab(tabId: number): Promise<void> {
    const targetId = await this.#target(tabId);
    await this.#cdp.send("Target.activateTarget", { targetId });
    this.#active = tabId;
  }

  async session(tabId: number): Promise<CdpSession> {
    const targetId = await this.#target(tabId);
    const sessionId = await this.#attach(targetId);
    return { send: (method, params) => this.#cdp.send(method, params, sessionId) };
  }

  onEvent(listener: (tabId: number, method: string, params: any) => void): void {
    this.#listeners.push(listener);
  }

  /** The CDP target id behind a tab id (for tests and tools). */
  targetIdOf(tabId: number): string | undefined {
    return this.#targets.get(tabId);
  }

  async #pages(): Promise<TargetInfo[]> {
    const { targetInfos } = await this.#cdp.send<{ targetInfos: TargetInfo[] }>("Target.getTargets");
    return targetInfos.filter((t) => t.type === "page");
  }

  async #target(tabId: number): Promise<string> {
    let targetId = this.#targets.get(tabId);
    if (!targetId) {
      await this.listTabs(); // maybe a target we have not numbered yet
      targetId = this.#targets.get(tabId);
    }
    if (!targetId) throw new CommandExecutionError(`No tab with id: ${tabId}.`);
    return targetId;
  }

  #attach(targetId: string): Promise<string> {
    let s = this.#sessions.get(targetId);
    if (!s) {
      s = this.#cdp
        .send<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true })
        .then(async (r) => {
          this.#bySession.set(r.sessionId, targetId);
          // Page events (loads, JavaScript dialogs) and Runtime's (console messages, page errors) for every
          // attached tab.
          await Promise.all([
            this.#cdp.send("Page.enable", {}, r.sessionId),
            this.#cdp.send("Runtime.enable", {}, r.sessionId),
          ]);
          return r.sessionId;
        })
        .catch((err: Error) => {
          this.#sessions.delete(targetId);
          throw new CommandExecutionError(`Failed to attach debugger to tab: ${err.message}`);
        });
      this.#sessions.set(targetId, s);
    }
    return s;
  }

  async #windowId(targetId: string): Promise<number> {
    let w = this.#windows.get(targetId);
    if (w === undefined) {
      w = await this.#cdp
        .send<{ windowId: number }>("Browser.getWindowForTarget", { targetId })
        .then((r) => r.windowId)
        .catch(() => 0);
      this.#windows.set(targetId, w);
    }
    return w;
  }

  #idFor(targetId: string): number {
    let id = this.#ids.get(targetId);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(targetId, id);
      this.#targets.set(id, targetId);
    }
    return id;
  }

  #forget(targetId: string): void {
    const id = this.#ids.get(targetId);
    if (id === undefined) return;
    this.#ids.delete(targetId);
    this.#targets.delete(id);
    this.#sessions.delete(targetId);
    this.#windows.delete(targetId);
    if (this.#active === id) this.#active = undefined;
  }
}
