import type { IncomingMessage } from "node:http";

/**
 * `pathname` relative to `base` ("" = mounted at the root): "/" for the base itself, "/x" below it,
 * undefined when it is not under `base` at all (or is undefined: the request target was not a URL).
 */
export function pathUnder(pathname: string | undefined, base: string): string | undefined {
  if (pathname === undefined) return undefined;
  if (base === "") return pathname;
  if (pathname === base) return "/";
  return pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : undefined;
}

/** The request target as a URL, or undefined when it is not one (e.g. `//`): such requests match no route. */
export function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? "/", "http://localhost");
  } catch {
    return undefined;
  }
}
