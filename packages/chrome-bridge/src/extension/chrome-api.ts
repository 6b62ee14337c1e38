// The few chrome.* APIs the service worker uses, typed minimally (no @types/chrome dependency).

export interface ChromeTab {
  id?: number;
  windowId: number;
  index: number;
  active: boolean;
  url?: string;
  pendingUrl?: string;
  title?: string;
  status?: "loading" | "complete" | "unloaded";
}

interface ChromeEvent<F extends (...args: any[]) => void> {
  addListener(f: F): void;
  removeListener(f: F): void;
}

export interface ChromeApi {
  tabs: {
    query(q: Record<string, unknown>): Promise<ChromeTab[]>;
    get(id: number): Promise<ChromeTab>;
    create(p: { url: string; active?: boolean }): Promise<ChromeTab>;
    remove(id: number): Promise<void>;
    update(id: number, p: { active?: boolean }): Promise<ChromeTab>;
    onUpdated: ChromeEvent<(tabId: number, change: { status?: string }, tab: ChromeTab) => void>;
    onRemoved: ChromeEvent<(tabId: number) => void>;
  };
  windows: { update(id: number, p: { focused?: boolean }): Promise<unknown> };
  debugger: {
    attach(target: { tabId: number }, version: string): Promise<void>;
    detach(target: { tabId: number }): Promise<void>;
    sendCommand(target: { tabId: number }, method: string, params?: Record<string, unknown>): Promise<unknown>;
    onDetach: ChromeEvent<(source: { tabId?: number }, reason: string) => void>;
    onEvent: ChromeEvent<(source: { tabId?: number }, method: string, params?: unknown) => void>;
  };
  runtime: {
    onInstalled: ChromeEvent<() => void>;
    onStartup: ChromeEvent<() => void>;
  };
  alarms: {
    create(name: string, info: { periodInMinutes: number }): void;
    onAlarm: ChromeEvent<(alarm: { name: string }) => void>;
  };
  storage: {
    local: { get(keys: string[]): Promise<Record<string, unknown>> };
    onChanged: ChromeEvent<
      (changes: Record<string, { oldValue?: unknown; newValue?: unknown } | undefined>, area: string) => void
    >;
  };
}

export function chromeApi(): ChromeApi {
  return (globalThis as unknown as { chrome: ChromeApi }).chrome;
}
