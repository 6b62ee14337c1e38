import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import { HttpError, rejectUpgrade, sendHttpError } from "./http-error.js";

/** An exact origin or host (`"http://localhost:5173"`, `"kvm.lan"`) or a pattern. */
export type AccessRule = string | RegExp;

export type OriginPolicy =
  | ReadonlyArray<AccessRule>
  | "*"
  | ((origin: string | undefined, req: IncomingMessage) => boolean);

export interface AccessOptions {
  /**
   * The address the server listens on. On a loopback bind (127.x, ::1, localhost; the default) the
   * `Host` header must name this machine, so a DNS-rebinding page cannot reach it. A server bound
   * elsewhere skips the Host check unless `allowedHosts` is given (its token protects it).
   */
  bindHost?: string;
  /**
   * Browser origins trusted besides the server's own (same scheme-less host:port as `Host`) and
   * requests without an Origin (non-browser clients). `"*"` trusts every origin; a function decides alone.
   */
  allowedOrigins?: OriginPolicy;
  /** Host names accepted besides localhost, *.localhost, loopback IPs and the bind host. `"*"` turns the check off. */
  allowedHosts?: ReadonlyArray<AccessRule> | "*";
  /** Preflight answers for trusted foreign origins. */
  cors?: { methods?: string; headers?: string; maxAgeSeconds?: number };
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const DEFAULT_CORS = { methods: "GET, HEAD, POST, PUT, DELETE, OPTIONS", headers: "Content-Type, Authorization" };

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost` (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return h === "::1" || h.startsWith("::ffff:127.");
}

function matches(value: string, rules: ReadonlyArray<AccessRule>): boolean {
  return rules.some((r) => (typeof r === "string" ? r.toLowerCase() === value.toLowerCase() : r.test(value)));
}

/** Splits a Host header into its name (brackets kept off IPv6) and port; undefined when malformed. */
function hostName(header: string): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(header);
  return m?.[1]?.replace(/^\[|\]$/g, "").toLowerCase();
}

/**
 * One trust policy for both plain HTTP and WebSocket upgrades of a server (graphql-ws keeps this in
 * the adapter; here every protocol package shares it). A server on 127.0.0.1 is reachable from every
 * page the user opens, so by default it trusts only non-browser clients and its own pages:
 *
 * - `Host` must name this machine on a loopback bind (DNS rebinding);
 * - `Origin`, when present, must be the server's own or an allowed one; a refused request never
 *   reaches its handler (so a cross-site "simple" POST cannot change state, token or not);
 * - preflights are answered only for allowed origins.
 */
export class AccessGuard {
  readonly #origins: OriginPolicy;
  readonly #hosts: ReadonlyArray<AccessRule> | "*" | undefined;
  readonly #bindHost: string;
  readonly #checkHost: boolean;
  readonly #cors: Record<string, string>;

  constructor(options: AccessOptions = {}) {
    this.#origins = options.allowedOrigins ?? [];
    this.#hosts = options.allowedHosts;
    this.#bindHost = (options.bindHost ?? "127.0.0.1").replace(/^\[|\]$/g, "").toLowerCase();
    this.#checkHost = this.#hosts !== "*" && (isLoopbackHost(this.#bindHost) || this.#hosts !== undefined);
    const c = { ...DEFAULT_CORS, ...options.cors };
    this.#cors = {
      "Access-Control-Allow-Methods": c.methods,
      "Access-Control-Allow-Headers": c.headers,
      "Access-Control-Max-Age": String(options.cors?.maxAgeSeconds ?? 600),
    };
  }

  /** Whether the `Host` header names this machine (always true when the check is off). */
  hostAllowed(req: IncomingMessage): boolean {
    if (!this.#checkHost) return true;
    const header = req.headers.host;
    if (header === undefined) return true; // HTTP/1.0 and raw clients: browsers always send Host
    const name = hostName(header);
    if (name === undefined) return false;
    if (isLoopbackHost(name) || name === this.#bindHost) return true;
    const listed = this.#hosts;
    return Array.isArray(listed) && (matches(name, listed) || matches(header, listed));
  }

  /** Same-origin pages, requests without an Origin, and the allow-list. */
  originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    const policy = this.#origins;
    if (typeof policy === "function") return policy(origin, req);
    if (origin === undefined || policy === "*") return true;
    if (isSameOrigin(origin, req)) return true;
    return Array.isArray(policy) && matches(origin, policy);
  }

  /** The refusal for `req` (403 with a JSON body naming the reason), or undefined when it may pass. */
  check(req: IncomingMessage): HttpError | undefined {
    if (!this.hostAllowed(req))
      return new HttpError(403, { error: "host not allowed", host: req.headers.host ?? null });
    if (!this.originAllowed(req))
      return new HttpError(403, { error: "origin not allowed", origin: req.headers.origin ?? null });
    // No Origin but the browser says it is cross-site (old engines omit Origin on some requests).
    const site = req.headers["sec-fetch-site"];
    if (
      req.headers.origin === undefined &&
      UNSAFE.has(req.method ?? "GET") &&
      (site === "cross-site" || site === "same-site") &&
      this.#origins !== "*"
    )
      return new HttpError(403, { error: "cross-site request refused" });
    return undefined;
  }

  /** CORS headers for an allowed foreign origin (none for same-origin or non-browser requests). */
  corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (origin === undefined || isSameOrigin(origin, req)) return {};
    return { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
  }

  /**
   * For plain HTTP: refuses a request that fails `check`, answers an allowed CORS preflight, and
   * otherwise sets the CORS headers on `res`. Returns true when the request has been answered.
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const refusal = this.check(req);
    if (refusal) {
      sendHttpError(res, refusal);
      return true;
    }
    const cors = this.corsHeaders(req);
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined) {
      res.writeHead(204, { ...cors, ...this.#cors });
      res.end();
      return true;
    }
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    return false;
  }

  /** For upgrades: refuses (403 on the raw socket) and returns true when `check` fails. */
  rejectUpgrade(req: IncomingMessage, socket: Duplex): boolean {
    const refusal = this.check(req);
    if (!refusal) return false;
    rejectUpgrade(socket, refusal);
    return true;
  }
}

/** An Origin whose host:port is the request's own Host: the page came from this server. */
function isSameOrigin(origin: string, req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  const sep = origin.indexOf("://");
  if (sep < 0) return false;
  const scheme = origin.slice(0, sep).toLowerCase();
  if (scheme !== "http" && scheme !== "https") return false;
  const rest = origin.slice(sep + 3).toLowerCase();
  const h = host.toLowerCase();
  if (rest === h) return true;
  // Default ports are left out of one but not always the other.
  const port = scheme === "https" ? ":443" : ":80";
  return rest === `${h}${port}` || `${rest}${port}` === h;
}

/** An AccessGuard from options, or the one given (so REST and upgrades can share one). */
export function accessGuard(access: AccessGuard | AccessOptions | undefined): AccessGuard {
  return access instanceof AccessGuard ? access : new AccessGuard(access);
}
