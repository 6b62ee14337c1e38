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

/** The error code refusing `req`, or undefined when it may pass. No token configured = no auth. */
export function checkAuth(
  req: Pick<IncomingMessage, "headers" | "url">,
  token: string | undefined,
): ApiErrorCode | undefined {
  if (token === undefined) return undefined;
  const given = extractToken(req);
  if (given === undefined) return "auth_required";
  return same(given, token) ? undefined : "auth_invalid";
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
 * Upstream's rule: on a loopback bind there is no auth at all (a given token is ignored);
 * elsewhere the token is `token`, else `envToken` (WSH_TOKEN), else a generated one.
 */
export function resolveAuthToken(o: { host: string; token?: string | undefined; envToken?: string | undefined }): {
  token: string | undefined;
  generated: boolean;
} {
  if (isLoopback(o.host)) return { token: undefined, generated: false };
  if (o.token) return { token: o.token, generated: false };
  if (o.envToken) return { token: o.envToken, generated: false };
  return { token: generateToken(), generated: true };
}
