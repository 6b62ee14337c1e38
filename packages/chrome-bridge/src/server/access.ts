import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { AccessGuard, type AccessRule, type OriginPolicy } from "@proj/ws-core/server";

/** Installed extensions connect with this Origin; any of them may connect (which one gets commands is the hub's call). */
const EXTENSION_ORIGIN = /^chrome-extension:\/\//;

const WILDCARD_BINDS = new Set(["0.0.0.0", "::", "[::]", ""]);

export interface AccessSettings {
  host: string;
  allowedOrigins: OriginPolicy;
  allowedHosts: ReadonlyArray<AccessRule> | "*";
}

/**
 * The bridge's one trust policy (ws-core's AccessGuard), shared by the WebSocket endpoint and the REST
 * handler: Host must name this machine on a loopback or specific-address bind (DNS rebinding); browser
 * Origins other than the server's own pages, `chrome-extension://` and the allow-list are refused.
 */
export function createAccessGuard(o: AccessSettings): AccessGuard {
  const policy = o.allowedOrigins;
  const allowedOrigins: OriginPolicy =
    typeof policy === "function"
      ? (origin, req) => origin === undefined || EXTENSION_ORIGIN.test(origin) || policy(origin, req)
      : policy === "*"
        ? "*"
        : [EXTENSION_ORIGIN, ...policy];
  // A specific address keeps the Host check (it is reached by that address); every interface without a
  // list accepts any Host (the token protects it).
  const hosts =
    o.allowedHosts === "*" || o.allowedHosts.length > 0 ? o.allowedHosts : WILDCARD_BINDS.has(o.host) ? undefined : [];
  return new AccessGuard({
    bindHost: o.host,
    allowedOrigins,
    ...(hosts !== undefined ? { allowedHosts: hosts } : {}),
    cors: { methods: "GET, POST, OPTIONS", headers: "Content-Type, Authorization, X-Bridge-Token, X-Extension-Id" },
  });
}

/** Why `guard` refuses `req`, as the REST envelope's error string (only called once `check` failed). */
export function refusalMessage(guard: AccessGuard, req: IncomingMessage): string {
  if (!guard.hostAllowed(req)) return `Host not allowed: ${req.headers.host}`;
  if (!guard.originAllowed(req)) return `Origin not allowed: ${req.headers.origin}`;
  return "Cross-site request refused";
}

const BEARER = /^bearer[ \t]+(.+)$/i;

/** The token a request presents: Bearer header (scheme in any case), X-Bridge-Token header, or ?token=. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const bearer = BEARER.exec(req.headers.authorization ?? "")?.[1]?.trim();
  if (bearer) return bearer;
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
