import type { IncomingMessage } from "node:http";

/**
 * The request path relative to `base` ("" = mounted at the root): "/" for the base itself, "/x" below it,
 * undefined when the request is not under `base` at all.
 */
export function relativePath(req: IncomingMessage, base: string): string | undefined {
  const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
  if (base === "") return pathname;
  if (pathname === base) return "/";
  return pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : undefined;
}
