import { InvalidInputError } from "./errors.js";

/** Base URL without trailing slashes (aiopikvm's `PiKVM` strips them too). */
export function trimBase(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * `https://host[/prefix]` -> `wss://host[/prefix]/api/ws?stream=<stream>` (aiopikvm@0.2.1 `_ws.py`);
 * ws:// and wss:// bases are accepted as they are. Booleans become kvmd's 1/0.
 */
export function toWsUrl(base: string, stream: number | boolean): string {
  const b = trimBase(base);
  const m = /^(https?|wss?):\/\//i.exec(b);
  if (!m) throw new InvalidInputError(`unsupported URL scheme in ${JSON.stringify(base)}: use http(s):// or ws(s)://`);
  const scheme = (m[1] as string).toLowerCase();
  const ws = scheme === "https" || scheme === "wss" ? "wss" : "ws";
  const s = typeof stream === "boolean" ? (stream ? "1" : "0") : String(stream);
  return `${ws}://${b.slice(m[0].length)}/api/ws?stream=${encodeURIComponent(s)}`;
}

/** The http(s) base for REST calls from any accepted base URL. */
export function toHttpBase(base: string): string {
  return trimBase(base).replace(/^ws(s?):\/\//i, "http$1://");
}
