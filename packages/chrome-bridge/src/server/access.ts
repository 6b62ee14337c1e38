import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Extension origins are always welcome; web pages only when listed (a page must never drive the browser). */
export function isExtensionOrigin(origin: string): boolean {
  return origin.startsWith("chrome-extension://");
}

function listed(origin: string, allowed: ReadonlyArray<string | RegExp>): boolean {
  return allowed.some((p) => (typeof p === "string" ? p === origin : p.test(origin)));
}

/** WebSocket upgrades: no Origin (non-browser clients), chrome-extension://, or listed. */
export function wsOriginAllowed(origin: string | undefined, allowed: ReadonlyArray<string | RegExp>): boolean {
  return origin === undefined || isExtensionOrigin(origin) || listed(origin, allowed);
}

/** REST: additionally same-origin pages (a panel served by the same server that mounts the bridge). */
export function restOriginAllowed(req: IncomingMessage, allowed: ReadonlyArray<string | RegExp>): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || wsOriginAllowed(origin, allowed)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The token a request presents: Bearer header, X-Bridge-Token header, or ?token=. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  const header = req.headers["x-bridge-token"];
  if (typeof header === "string") return header;
  return new URL(req.url ?? "/", "http://x").searchParams.get("token") ?? undefined;
}

export function tokenMatches(expected: string | undefined, req: IncomingMessage): boolean {
  if (!expected) return true;
  const got = presentedToken(req);
  if (got === undefined) return false;
  const a = Buffer.from(got);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const PLAIN_HOST = /^([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::\d{1,5})?$/i;
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * DNS-rebinding guard: a page on evil.example whose name re-resolves to 127.0.0.1 is "same-origin"
 * with us, so the Host header must name this machine (loopback, the bound host, or a listed host).
 * A server bound to every interface without a list accepts any Host.
 */
export function hostAllowed(req: IncomingMessage, bindHost: string, allowed: ReadonlyArray<string | RegExp>): boolean {
  const header = req.headers.host;
  if (header === undefined) return true; // HTTP/1.0 and raw clients: not a browser
  // The common case (127.0.0.1:PORT, localhost) without a URL parse per request.
  const plain = PLAIN_HOST.exec(header)?.[1]?.toLowerCase();
  if (plain && (LOOPBACK_NAMES.has(plain) || plain === bindHost)) return true;
  let hostname: string;
  try {
    hostname = new URL(`http://${header}`).hostname;
  } catch {
    return false;
  }
  if (LOOPBACK_NAMES.has(hostname) || hostname.endsWith(".localhost") || hostname === bindHost) return true;
  if (allowed.length === 0) return bindHost === "0.0.0.0" || bindHost === "::";
  return listed(hostname, allowed) || listed(header, allowed);
}
