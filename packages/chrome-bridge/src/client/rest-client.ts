import type { CommandInput } from "../protocol/commands.js";
import { DEFAULT_REST_URL } from "../protocol/constants.js";
import { BridgeHttpError } from "../protocol/errors.js";
import type {
  ConsoleData,
  EvaluateData,
  PageData,
  RestEnvelope,
  ScreenshotData,
  ServerStatus,
  SnapshotData,
  TabsData,
} from "../protocol/rest.js";

/** Options of navigate, goBack, goForward and reload (timeout in seconds). */
type NavigationOptions = { wait_until?: "load" | "domcontentloaded" | "none"; timeout?: number; tab_id?: number };

export interface BridgeClientOptions {
  /** REST base URL. Default http://127.0.0.1:8765. */
  url?: string;
  token?: string;
  /** Route commands to this extension connection (see `GET /` connections). */
  extensionId?: string;
  /** `fetch` to use (defaults to the global one). */
  fetch?: typeof fetch;
}

/**
 * A small REST client for the bridge server (browser-safe: only `fetch`). Command methods resolve
 * with the response envelope, `success:false` included; non-2xx answers throw `BridgeHttpError`.
 */
export class BridgeClient {
  readonly url: string;
  readonly #o: BridgeClientOptions;

  constructor(options: BridgeClientOptions = {}) {
    this.#o = options;
    this.url = (options.url ?? DEFAULT_REST_URL).replace(/\/+$/, "");
  }

  status(): Promise<RestEnvelope<ServerStatus>> {
    return this.#request("GET", "/");
  }

  health(): Promise<RestEnvelope<{ status: string; timestamp: number }>> {
    return this.#request("GET", "/health");
  }

  /** Sends any command through `POST /command`. */
  command<T = Record<string, unknown>>(command: CommandInput, signal?: AbortSignal): Promise<RestEnvelope<T>> {
    return this.#request("POST", "/command", command, signal);
  }

  tabs(): Promise<RestEnvelope<TabsData>> {
    return this.#request("GET", "/tabs");
  }

  mouseMove(dx: number, dy: number, extra: { duration?: number; tab_id?: number } = {}) {
    return this.command({ type: "mouse_move", dx, dy, ...extra });
  }

  /** Clicks at the pointer, or on an element (`ref` from `snapshot`, or a CSS `selector`). */
  click(
    extra: {
      button?: "left" | "right" | "middle";
      double?: boolean;
      count?: number;
      tab_id?: number;
      ref?: string;
      selector?: string;
    } = {},
  ) {
    return this.command({ type: "mouse_click", ...extra });
  }

  scroll(direction: "up" | "down" | "left" | "right", amount: number, extra: { tab_id?: number } = {}) {
    return this.command({ type: "mouse_scroll", direction, amount, ...extra });
  }

  /** Types into the focused element, or focuses an element first (`ref` or `selector`). */
  type(text: string, extra: { tab_id?: number; ref?: string; selector?: string } = {}) {
    return this.command({ type: "keyboard_type", text, ...extra });
  }

  press(key: string, modifiers: string[] = [], extra: { tab_id?: number } = {}) {
    return this.command({ type: "keyboard_press", key, modifiers, ...extra });
  }

  screenshot(
    extra: {
      quality?: number;
      format?: "jpeg" | "png";
      include_cursor?: boolean;
      tab_id?: number;
      full_page?: boolean;
      ref?: string;
      selector?: string;
    } = {},
  ) {
    return this.command<ScreenshotData>({ type: "screenshot", ...extra });
  }

  openTab(url: string) {
    return this.command<{ tabId: number; url: string; title: string }>({ type: "tab", action: "open", url });
  }

  switchTab(tabId: number) {
    return this.command({ type: "tab", action: "switch", tab_id: tabId });
  }

  closeTab(tabId: number) {
    return this.command({ type: "tab", action: "close", tab_id: tabId });
  }

  navigate(url: string, extra: NavigationOptions = {}) {
    return this.command<PageData>({ type: "navigate", url, ...extra });
  }

  goBack(extra: NavigationOptions = {}) {
    return this.command<PageData>({ type: "go_back", ...extra });
  }

  goForward(extra: NavigationOptions = {}) {
    return this.command<PageData>({ type: "go_forward", ...extra });
  }

  reload(extra: NavigationOptions = {}) {
    return this.command<PageData>({ type: "reload", ...extra });
  }

  /** Runs JavaScript in the page: an expression, or a function body (`function: true`, use `return`). */
  evaluate<V = unknown>(expression: string, extra: { function?: boolean; timeout?: number; tab_id?: number } = {}) {
    return this.command<EvaluateData<V>>({ type: "evaluate", expression, ...extra });
  }

  /** Waits for a selector (`state` visible, attached, hidden), a `text`, or a `navigation` (optionally to `url`). */
  waitFor(
    what: {
      selector?: string;
      state?: "visible" | "attached" | "hidden";
      text?: string;
      navigation?: boolean;
      url?: string;
      timeout?: number;
    },
    extra: { tab_id?: number } = {},
  ) {
    return this.command<PageData & { elapsed: number }>({ type: "wait_for", ...what, ...extra });
  }

  /** The page's interactive elements (with refs) and visible text. */
  snapshot(extra: { max_text?: number; max_elements?: number; tab_id?: number } = {}) {
    return this.command<SnapshotData>({ type: "snapshot", ...extra });
  }

  /** Replaces the value of a field (`ref` or `selector`). */
  fill(target: { ref: string } | { selector: string }, value: string, extra: { tab_id?: number } = {}) {
    return this.command<{ tab_id: number; ref: string; value: string }>({ type: "fill", ...target, value, ...extra });
  }

  /** Recent console messages and page errors of the tab. */
  console(extra: { limit?: number; clear?: boolean; tab_id?: number } = {}) {
    return this.command<ConsoleData>({ type: "console", ...extra });
  }

  /** Answers the JavaScript dialog left open on the tab (executor started with dialogs "leave"). */
  dialog(action: "accept" | "dismiss", extra: { prompt_text?: string; tab_id?: number } = {}) {
    return this.command({ type: "dialog", action, ...extra });
  }

  async #request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<RestEnvelope<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.#o.token) headers.Authorization = `Bearer ${this.#o.token}`;
    if (this.#o.extensionId) headers["X-Extension-Id"] = this.#o.extensionId;
    const f = this.#o.fetch ?? fetch;
    const res = await f(`${this.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    if (!res.ok) {
      const err = (json as { error?: unknown })?.error;
      throw new BridgeHttpError(res.status, typeof err === "string" ? err : `HTTP ${res.status}`, json);
    }
    return json as RestEnvelope<T>;
  }
}
