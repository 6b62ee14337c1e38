import type { IncomingMessage, ServerResponse } from "node:http";
import {
  AccessGuard,
  type AccessOptions,
  type AccessRule,
  type HttpError,
  type OriginPolicy,
  sendHttpError,
} from "@proj/ws-core/server";
import type { ApiErrorCode } from "../protocol/errors.js";
import { apiError } from "./http.js";

/** Who may reach a wsh server at all (before any token is looked at). */
export interface WshAccessOptions {
  /**
   * ws-core's trust policy: an `AccessGuard` to share with the host server (a mount), options for
   * one, or `false` to trust every Origin and Host (only behind a proxy that checks them).
   * Default: a guard built from `bindHost`, `allowedOrigins` and `allowedHosts`.
   */
  access?: AccessGuard | AccessOptions | false;
  /**
   * The address the server is reachable on. On a loopback bind (the default, 127.0.0.1) the `Host`
   * header must name this machine (DNS rebinding). Default: the host given to `listen()`, else 127.0.0.1.
   */
  bindHost?: string;
  /** Browser origins trusted besides the server's own pages (`"*"`: all; a function decides alone). */
  allowedOrigins?: OriginPolicy;
  /** Host names accepted besides loopback names and the bind host (`"*"` turns the Host check off). */
  allowedHosts?: ReadonlyArray<AccessRule> | "*";
}

/** The guard for these options, or undefined with `access: false`. */
export function buildGuard(o: WshAccessOptions, listenHost?: string): AccessGuard | undefined {
  if (o.access === false) return undefined;
  if (o.access instanceof AccessGuard) return o.access;
  const bindHost = o.bindHost ?? o.access?.bindHost ?? listenHost;
  return new AccessGuard({
    ...o.access,
    ...(bindHost !== undefined ? { bindHost } : {}),
    ...(o.allowedOrigins !== undefined ? { allowedOrigins: o.allowedOrigins } : {}),
    ...(o.allowedHosts !== undefined ? { allowedHosts: o.allowedHosts } : {}),
  });
}

/** Whether the guard depends on the host `listen()` is given (nothing fixed it at construction). */
export function guardFollowsListenHost(o: WshAccessOptions): boolean {
  return (
    o.access !== false &&
    !(o.access instanceof AccessGuard) &&
    o.bindHost === undefined &&
    o.access?.bindHost === undefined
  );
}

const REASONS: Record<string, ApiErrorCode> = {
  "host not allowed": "host_not_allowed",
  "origin not allowed": "origin_not_allowed",
  "cross-site request refused": "cross_site_refused",
};

/** The guard's refusal of `req` in wsh's error envelope, or undefined when it may pass. */
export function accessRefusal(guard: AccessGuard | undefined, req: IncomingMessage): HttpError | undefined {
  const refusal = guard?.check(req);
  if (!refusal) return undefined;
  const body = refusal.body as { error?: unknown; origin?: unknown; host?: unknown } | undefined;
  const code = REASONS[String(body?.error)] ?? "cross_site_refused";
  const detail =
    code === "origin_not_allowed"
      ? `'${String(body?.origin ?? req.headers.origin)}'`
      : code === "host_not_allowed"
        ? `'${String(body?.host ?? req.headers.host)}'`
        : undefined;
  return apiError(code, detail);
}

/**
 * For REST: refuses (403 in wsh's envelope) or answers an allowed CORS preflight, else sets the CORS
 * headers for an allowed foreign origin. Returns true when the request has been answered.
 */
export function guardRequest(guard: AccessGuard | undefined, req: IncomingMessage, res: ServerResponse): boolean {
  if (!guard) return false;
  const refusal = accessRefusal(guard, req);
  if (refusal) {
    sendHttpError(res, refusal);
    return true;
  }
  return guard.handleRequest(req, res);
}
