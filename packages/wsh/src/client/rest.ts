import type { InputMode } from "../protocol/events.js";
import { WshApiError } from "../protocol/errors.js";
import type { Format, ScreenResponse, ScrollbackResponse } from "../protocol/screen.js";
import { httpUrl } from "./urls.js";

export type FetchLike = (
  input: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  text(): Promise<string>;
}>;

export interface WshRestOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080` (plus a mount prefix if any). */
  url: string;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
}

/** The REST half: screen and scrollback reads, input, resize and input-capture mode. */
export class WshRest {
  readonly #o: WshRestOptions;
  constructor(options: WshRestOptions) {
    this.#o = options;
  }

  health(signal?: AbortSignal): Promise<{ status: string }> {
    return this.#json("GET", "/health", undefined, {}, signal);
  }

  screen(format: Format = "styled", signal?: AbortSignal): Promise<ScreenResponse> {
    return this.#json("GET", "/screen", undefined, { format }, signal);
  }

  scrollback(
    o: { format?: Format; offset?: number; limit?: number } = {},
    signal?: AbortSignal,
  ): Promise<ScrollbackResponse> {
    return this.#json("GET", "/scrollback", undefined, { format: o.format, offset: o.offset, limit: o.limit }, signal);
  }

  /** Bytes (or text) straight to the terminal, outside input capture. */
  async input(data: string | Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.#call("POST", "/input", data, {}, signal);
  }

  /** Resizes the terminal; subscribers see `reset` (resize) and a fresh `sync`. */
  async resize(cols: number, rows: number, signal?: AbortSignal): Promise<void> {
    await this.#call("POST", "/resize", JSON.stringify({ cols, rows }), {}, signal);
  }

  async inputMode(signal?: AbortSignal): Promise<InputMode> {
    return (await this.#json<{ mode: InputMode }>("GET", "/input/mode", undefined, {}, signal)).mode;
  }
  async captureInput(signal?: AbortSignal): Promise<void> {
    await this.#call("POST", "/input/capture", undefined, {}, signal);
  }
  async releaseInput(signal?: AbortSignal): Promise<void> {
    await this.#call("POST", "/input/release", undefined, {}, signal);
  }

  async #json<T>(
    method: string,
    path: string,
    body: string | undefined,
    query: Record<string, string | number | undefined>,
    signal?: AbortSignal,
  ): Promise<T> {
    return JSON.parse(await this.#call(method, path, body, query, signal)) as T;
  }

  async #call(
    method: string,
    path: string,
    body: string | Uint8Array | undefined,
    query: Record<string, string | number | undefined>,
    signal?: AbortSignal,
  ): Promise<string> {
    const f = this.#o.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
    if (!f) throw new TypeError("No fetch implementation: pass one as the `fetch` option");
    const headers: Record<string, string> = {};
    if (this.#o.token) headers.Authorization = `Bearer ${this.#o.token}`;
    const res = await f(httpUrl(this.#o.url, path, query), {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw toApiError(res.status, text);
    return text;
  }
}

/** The JSON envelope when there is one; robust clients accept non-JSON error bodies too (upstream's advice). */
function toApiError(status: number, text: string): WshApiError {
  try {
    const e = JSON.parse(text)?.error;
    if (e && typeof e.code === "string") return new WshApiError(status, e.code, e.message ?? e.code);
  } catch {
    // not JSON
  }
  return new WshApiError(status, `http_${status}`, text || `HTTP ${status}`);
}
