import type { AccessGuard, AccessOptions, AccessRule, OriginPolicy } from "@proj/ws-core/server";
import { parseBool, parseSize } from "../client/config.js";
import { VuerConfigError } from "../protocol/errors.js";
import type { VuerClusterOptions } from "./cluster/shared-scene.js";

/**
 * Browser origins trusted by default besides the server's own: the hosted viewer (`https://vuer.ai`, or the
 * origin of `domain` when that is set), which is upstream's normal flow (`https://vuer.ai?ws=ws://localhost:8012`).
 */
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ["https://vuer.ai"];

/** @deprecated upstream's list held `*`; the default is now `DEFAULT_ALLOWED_ORIGINS`. */
export const DEFAULT_CORS = DEFAULT_ALLOWED_ORIGINS.join(",");

/** Inbound frame and HTTP body limit: 4 MiB, what upstream enforces in practice (aiohttp's default). */
export const DEFAULT_SERVER_MAX_SIZE = 4 * 1024 * 1024;

/** Open WebSocket connections per server; more get HTTP 503. */
export const DEFAULT_MAX_CONNECTIONS = 256;

/** Bytes a session's outgoing queue may hold (besides `sendHighWaterMark` in the socket). */
export const DEFAULT_QUEUE_BYTES = 8 * 1024 * 1024;

export interface VuerOptions {
  /** Interface to bind. Default `VUER_HOST`, else 127.0.0.1 (upstream: localhost). */
  host?: string;
  /** Default `VUER_PORT`, else 8012. 0 picks a free port. */
  port?: number;
  /** Where the WebSocket and the HTTP routes live, e.g. "/vuer" when mounted beside other apps. Default "/". */
  basePath?: string;
  /** Per-session outgoing queue bound (frames); the oldest is dropped past it. Default 100. */
  queueLen?: number;
  /** Per-session outgoing queue bound (bytes); the oldest frames are dropped past it, the newest is kept. Default 8 MiB. */
  queueBytes?: number;
  /** Largest accepted WebSocket frame (bytes); larger ones close with 1009. Default `WEBSOCKET_MAX_SIZE`, else 4 MiB. */
  maxSize?: number;
  /** Largest accepted HTTP body (relay). Default `REQUEST_MAX_SIZE`, else 4 MiB. */
  requestMaxSize?: number;
  /** Most open WebSocket connections; further upgrades get HTTP 503. Default 256. */
  maxConnections?: number;
  /** Socket bytes in flight before frames wait in the session queue. Default 1 MiB. */
  sendHighWaterMark?: number;
  /**
   * Browser origins (`https://host[:port]`, or RegExps) trusted besides the server's own page, for the WebSocket
   * and every HTTP route; other origins get 403. `"*"` trusts every origin (CORS without credentials); a function
   * decides alone. Requests without an Origin (scripts, the Python client) always pass. Default `VUER_CORS`
   * (comma-separated), else the origin of `domain` (`https://vuer.ai`).
   */
  allowedOrigins?: OriginPolicy;
  /**
   * `Host` names accepted besides localhost and loopback addresses while bound to loopback (DNS-rebinding
   * protection); `"*"` turns the check off. A server bound elsewhere checks Host only when this is given.
   */
  allowedHosts?: ReadonlyArray<AccessRule> | "*";
  /**
   * The whole trust policy instead: a host server's `AccessGuard` (shared with its other routes), options
   * merged over the ones above (`bindHost`, `allowedOrigins`, `allowedHosts`, `cors`), or `false` to trust
   * every origin and host (only behind a proxy that checks them).
   */
  access?: AccessGuard | AccessOptions | false;
  /** @deprecated use `allowedOrigins`: the same list, comma-separated (`*` trusts every origin). */
  cors?: string;
  /**
   * Directories served under `/workspace/` (dot-files and symlinks leading out of them are never served).
   * Default `VUER_WORKSPACE`, else none (only `app.workspace.link(...)` content); upstream serves the working
   * directory, pass `workspace: "."` for that.
   */
  workspace?: string | string[] | false;
  /** @deprecated upstream's old name for `workspace`; used when `workspace` is not given. */
  staticRoot?: string | string[];
  /**
   * When `port` is taken, listen on a free port instead (`start()` reports which). Upstream kills whatever
   * process holds the port; this never touches other processes. Default false: a taken port rejects `start()`.
   */
  freePort?: boolean;
  /** Query parameters appended to the viewer URL `getUrl()` builds (upstream's `queries`). */
  queries?: Record<string, string | number | boolean>;
  /**
   * The viewer URL `getUrl()` starts from instead of `domain` (e.g. a local viewer build), with `{host}`,
   * `{port}`, `{webPort}` and `{ssl}` ("s" with TLS, else "") filled in. Its origin is trusted like `domain`'s.
   */
  clientUrl?: string;
  /** The port a separate viewer (web) server listens on, for `{webPort}` in `clientUrl`. Default: `port`. */
  webPort?: number;
  /** Protocol pings to find dead peers, ms; false disables. Default 30,000. */
  heartbeatMs?: number | false;
  /** Accept permessage-deflate (the Python client offers it). Default false: it costs more than it saves here. */
  perMessageDeflate?: boolean;
  /** Default RPC timeout (`grabRender`, `rpc`), ms. Default 2000 (upstream's ttl). */
  rpcTimeoutMs?: number;
  /** The page served at `/` to plain HTTP requests. */
  indexHtml?: string;
  /** Client URL printed by `url()`: `{domain}?ws=ws://host:port`. Default `VUER_DOMAIN`, else https://vuer.ai. */
  domain?: string;
  /** PEM certificate and key files for wss (`VUER_SSL_CERT`, `VUER_SSL_KEY`). */
  cert?: string;
  key?: string;
  /**
   * PEM CA certificate file (`VUER_SSL_CA_CERT`): with `cert`/`key`, clients must present a certificate signed
   * by it (mutual TLS); others fail the handshake.
   */
  caCert?: string;
  /** Where handler, spawn and protocol errors are reported. Default console.error. */
  onError?: (error: unknown, context: string) => void;
  /**
   * Share `scene` with other instances over a bus (`RedisBus` from `@proj/ws-core/cluster`): see "Scaling out"
   * in the README. Default: the scene lives in this process only.
   */
  cluster?: VuerClusterOptions;
  /** Environment to read instead of process.env (tests). */
  env?: Record<string, string | undefined>;
}

export interface ResolvedVuerOptions
  extends Required<
    Omit<
      VuerOptions,
      | "cert"
      | "key"
      | "caCert"
      | "staticRoot"
      | "queries"
      | "clientUrl"
      | "webPort"
      | "env"
      | "cluster"
      | "indexHtml"
      | "onError"
      | "workspace"
      | "heartbeatMs"
      | "cors"
      | "allowedHosts"
      | "access"
    >
  > {
  allowedHosts: ReadonlyArray<AccessRule> | "*" | undefined;
  access: AccessGuard | AccessOptions | false | undefined;
  workspace: string[];
  heartbeatMs: number | false;
  cert: string | undefined;
  key: string | undefined;
  caCert: string | undefined;
  queries: Record<string, string | number | boolean>;
  clientUrl: string | undefined;
  webPort: number | undefined;
  indexHtml: string | undefined;
  onError: (error: unknown, context: string) => void;
}

function int(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min)
    throw new VuerConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

export function normaliseBasePath(p: string | undefined): string {
  if (!p || p === "/") return "";
  const withSlash = p.startsWith("/") ? p : `/${p}`;
  return withSlash.replace(/\/+$/, "");
}

/** A comma-separated origin list (`VUER_CORS`, `cors`): `"*"` when it holds `*`. */
export function parseOrigins(list: string): OriginPolicy {
  const items = list
    .split(",")
    .map((s) => s.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  return items.includes("*") ? "*" : items;
}

/** `{host}`, `{port}`, `{webPort}`, `{ssl}` in a `clientUrl` (unknown names are left as they are). */
export function fillClientUrl(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

function clientUrlVars(o: VuerOptions, env: Record<string, string | undefined>): Record<string, string | number> {
  const port = o.port ?? Number(env.VUER_PORT || 8012);
  return {
    host: o.host ?? (env.VUER_HOST || "127.0.0.1"),
    port,
    webPort: o.webPort ?? port,
    ssl: (o.cert ?? env.VUER_SSL_CERT) ? "s" : "",
  };
}

/** The origin of the hosted viewer URL (`domain`), or none when it is not an http(s) URL. */
function viewerOrigins(domain: string): string[] {
  try {
    const u = new URL(domain);
    return u.protocol === "https:" || u.protocol === "http:" ? [u.origin] : [];
  } catch {
    return [];
  }
}

/** Options win over `VUER_*` / `WEBSOCKET_MAX_SIZE` / `REQUEST_MAX_SIZE` variables, which win over defaults. */
export function resolveVuerOptions(o: VuerOptions): ResolvedVuerOptions {
  const env = o.env ?? process.env;
  const size = (name: string) => (env[name] ? parseSize(name, env[name] as string) : undefined);
  const domain = o.domain ?? env.VUER_DOMAIN ?? "https://vuer.ai";
  const corsList = o.cors ?? (env.VUER_CORS?.trim() || undefined);
  const workspace = o.workspace ?? o.staticRoot ?? (env.VUER_WORKSPACE?.trim() || undefined);
  const resolved: ResolvedVuerOptions = {
    host: o.host ?? (env.VUER_HOST || "127.0.0.1"),
    port: o.port ?? int("VUER_PORT", env.VUER_PORT, 0) ?? 8012,
    basePath: normaliseBasePath(o.basePath),
    queueLen: o.queueLen ?? 100,
    queueBytes: o.queueBytes ?? DEFAULT_QUEUE_BYTES,
    maxSize: o.maxSize ?? size("WEBSOCKET_MAX_SIZE") ?? DEFAULT_SERVER_MAX_SIZE,
    requestMaxSize: o.requestMaxSize ?? size("REQUEST_MAX_SIZE") ?? DEFAULT_SERVER_MAX_SIZE,
    maxConnections: o.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    sendHighWaterMark: Math.max(1, o.sendHighWaterMark ?? 1024 * 1024),
    allowedOrigins: o.allowedOrigins ??
      (corsList !== undefined ? parseOrigins(corsList) : undefined) ?? [
        ...new Set([
          ...viewerOrigins(domain),
          ...(o.clientUrl ? viewerOrigins(fillClientUrl(o.clientUrl, clientUrlVars(o, env))) : []),
        ]),
      ],
    allowedHosts: o.allowedHosts,
    access: o.access,
    workspace: workspace === undefined || workspace === false ? [] : [workspace].flat(),
    heartbeatMs: o.heartbeatMs ?? 30_000,
    perMessageDeflate:
      o.perMessageDeflate ??
      (env.VUER_PERMESSAGE_DEFLATE ? parseBool("VUER_PERMESSAGE_DEFLATE", env.VUER_PERMESSAGE_DEFLATE) : false),
    rpcTimeoutMs: o.rpcTimeoutMs ?? 2000,
    indexHtml: o.indexHtml,
    domain,
    cert: o.cert ?? env.VUER_SSL_CERT,
    key: o.key ?? env.VUER_SSL_KEY,
    caCert: o.caCert ?? env.VUER_SSL_CA_CERT,
    freePort: o.freePort ?? false,
    queries: o.queries ?? {},
    clientUrl: o.clientUrl,
    webPort: o.webPort,
    onError: o.onError ?? ((err, context) => console.error(`[vuer] ${context}:`, err)),
  };
  if (!Number.isInteger(resolved.queueLen) || resolved.queueLen < 1) throw new VuerConfigError("queueLen must be >= 1");
  for (const name of ["queueBytes", "maxSize", "requestMaxSize", "maxConnections"] as const) {
    const v = resolved[name];
    if (!(v > 0) || (Number.isFinite(v) && !Number.isInteger(v)))
      throw new VuerConfigError(`${name} must be a positive integer (or Infinity), got ${v}`);
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new VuerConfigError(`port must be 0-65535, got ${resolved.port}`);
  }
  return resolved;
}
