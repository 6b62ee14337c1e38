import type { TabInfo } from "../../protocol/rest.js";

/** One attached page: send a CDP method, get its result (throws on CDP errors). */
export interface CdpSession {
  send<T = any>(method: string, params?: Record<string, unknown>): Promise<T>;
}

/**
 * The browser as the shared CDP executor sees it. The Node executor implements it with the
 * Target domain over one CDP WebSocket; the extension with chrome.tabs + chrome.debugger.
 * Errors use the documented strings ("No tab with id: N.", "No active tab found", ...).
 */
export interface TabHost {
  listTabs(): Promise<TabInfo[]>;
  activeTabId(): Promise<number>;
  openTab(url: string): Promise<TabInfo>;
  closeTab(tabId: number): Promise<void>;
  activateTab(tabId: number): Promise<void>;
  /** A CDP session for the tab, attached on first use and kept (with the Page domain enabled). */
  session(tabId: number): Promise<CdpSession>;
  /** Every CDP event of every attached tab. */
  onEvent(listener: (tabId: number, method: string, params: any) => void): void;
}
