import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import type { ApiErrorCode } from "../protocol/errors.js";

/** Upstream: header `Authorization: Bearer <t>` first, else the first `token=` of the raw query. */
export function extractToken(req: Pick<IncomingMessage, "headers" | "url">): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === "string" && header.startsWith("Bearer ")) return header.slice("Bearer ".length);
  const query = (req.url ?? "").split("?")[1];
  if (!query) return undefined;
  for (const pair of query.split("&")) {
    if (!pair.startsWith("token=")) continue;
    const raw = pair.slice("token=".length);
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}

/** Constant-time comparison (upstream v07 compared with `!=`). */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What a request may do: the owner token can do everything, the viewer token only read. */
export type Role = "owner" | "viewer";

export interface Tokens {
  /** The owner token (`--token` / WSH_TOKEN): every route. */
  token?: string | undefined;
  /** The viewer token (`--viewer-token` / WSH_VIEWER_TOKEN): output and GET routes only. */
  viewerToken?: string | undefined;
}

/**
 * The role of `req`, or the error code refusing it. With no token configured everyone is the owner
 * (upstream's no-auth mode: the AccessGuard alone protects the server). Once either token is
 * configured a token is required: the owner token gives `owner`, the viewer token `viewer`.
 */
export function authorize(req: Pick<IncomingMessage, "headers" | "url">, tokens: Tokens): Role | ApiErrorCode {
  const { token, viewerToken } = tokens;
  if (token === undefined && viewerToken === undefined) return "owner";
  const given = extractToken(req);
  if (given === undefined) return "auth_required";
  if (token !== undefined && same(given, token)) return "owner";
  if (viewerToken !== undefined && same(given, viewerToken)) return "viewer";
  return "auth_invalid";
}

/** The error code refusing `req`, or undefined when it may pass. No token configured = no auth. */
export function checkAuth(
  req: Pick<IncomingMessage, "headers" | "url">,
  token: string | undefined,
): ApiErrorCode | undefined {
  const r = authorize(req, { token });
  return r === "owner" || r === "viewer" ? undefined : r;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "localhost") return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return h === "::1";
}

/** A 32-character alphanumeric token, like upstream's. */
export function generateToken(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(64);
  let out = "";
  for (const b of bytes) {
    if (b >= 248) continue; // 248 = 62*4: keeps the distribution uniform
    out += alphabet[b % 62];
    if (out.length === 32) break;
  }
  return out.length === 32 ? out : generateToken();
}

/**
 * Upstream's rule, extended for viewer tokens. On a loopback bind there is no auth at all (a given
 * owner token is ignored), unless a viewer token is configured: then tokens are enforced there too,
 * since a viewer token means nothing if a request without one may do everything. Elsewhere, and on
 * loopback with a viewer token, the owner token is `token`, else `envToken` (WSH_TOKEN), else a
 * generated one (`generated: true`: print it). The viewer token is `viewerToken`, else `envViewerToken`.
 */
export function resolveAuthToken(o: {
  host: string;
  token?: string | undefined;
  envToken?: string | undefined;
  viewerToken?: string | undefined;
  envViewerToken?: string | undefined;
}): {
  token: string | undefined;
  viewerToken?: string | undefined;
  generated: boolean;
} {
  const viewerToken = o.viewerToken || o.envViewerToken || undefined;
  if (isLoopback(o.host) && viewerToken === undefined) return { token: undefined, generated: false };
  const owner = o.token || o.envToken || undefined;
  if (owner !== undefined && owner === viewerToken)
    throw new Error("the viewer token must differ from the owner token");
  const base = owner !== undefined ? { token: owner, generated: false } : { token: generateToken(), generated: true };
  return viewerToken === undefined ? base : { ...base, viewerToken };
}
