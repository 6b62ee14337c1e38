import type { CommandInput } from "../protocol/commands.js";
import { DEFAULT_REST_URL } from "../protocol/constants.js";
import { BridgeHttpError } from "../protocol/errors.js";
import type { RestEnvelope, ScreenshotData, ServerStatus, TabsData } from "../protocol/rest.js";

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

  click(extra: { button?: "left" | "right" | "middle"; double?: boolean; count?: number; tab_id?: number } = {}) {
    return this.command({ type: "mouse_click", ...extra });
  }

  scroll(direction: "up" | "down" | "left" | "right", amount: number, extra: { tab_id?: number } = {}) {
    return this.command({ type: "mouse_scroll", direction, amount, ...extra });
  }

  type(text: string, extra: { tab_id?: number } = {}) {
    return this.command({ type: "keyboard_type", text, ...extra });
  }

  press(key: string, modifiers: string[] = [], extra: { tab_id?: number } = {}) {
    return this.command({ type: "keyboard_press", key, modifiers, ...extra });
  }

  screenshot(extra: { quality?: number; format?: "jpeg" | "png"; include_cursor?: boolean; tab_id?: number } = {}) {
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
