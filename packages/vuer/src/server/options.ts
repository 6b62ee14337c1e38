import { DEFAULT_MAX_SIZE, parseBool, parseSize } from "../client/config.js";
import { VuerConfigError } from "../protocol/errors.js";

/** Upstream's default CORS list; `*` in it means every origin is echoed back. */
export const DEFAULT_CORS =
  "https://vuer.ai,https://staging.vuer.ai,https://dash.ml,http://localhost:8000,http://127.0.0.1:8000,*";

export interface VuerOptions {
  /** Interface to bind. Default `VUER_HOST`, else 127.0.0.1 (upstream: localhost). */
  host?: string;
  /** Default `VUER_PORT`, else 8012. 0 picks a free port. */
  port?: number;
  /** Where the WebSocket and the HTTP routes live, e.g. "/vuer" when mounted beside other apps. Default "/". */
  basePath?: string;
  /** Per-session outgoing queue bound (frames); the oldest is dropped past it. Default 100. */
  queueLen?: number;
  /** Largest accepted WebSocket frame (bytes); larger ones close with 1009. Default `WEBSOCKET_MAX_SIZE`, else 256 MiB. */
  maxSize?: number;
  /** Largest accepted HTTP body (relay). Default `REQUEST_MAX_SIZE`, else 256 MiB. */
  requestMaxSize?: number;
  /** Socket bytes in flight before frames wait in the session queue. Default 1 MiB. */
  sendHighWaterMark?: number;
  /** Comma-separated allowed origins; `*` echoes any. Default `VUER_CORS`, else upstream's list. */
  cors?: string;
  /** Directories served under `/workspace/`. Default `VUER_WORKSPACE`, else the working directory. */
  workspace?: string | string[];
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
  /** Where handler, spawn and protocol errors are reported. Default console.error. */
  onError?: (error: unknown, context: string) => void;
  /** Environment to read instead of process.env (tests). */
  env?: Record<string, string | undefined>;
}

export interface ResolvedVuerOptions
  extends Required<Omit<VuerOptions, "cert" | "key" | "env" | "indexHtml" | "onError" | "workspace" | "heartbeatMs">> {
  workspace: string[];
  heartbeatMs: number | false;
  cert: string | undefined;
  key: string | undefined;
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

/** Options win over `VUER_*` / `WEBSOCKET_MAX_SIZE` / `REQUEST_MAX_SIZE` variables, which win over defaults. */
export function resolveVuerOptions(o: VuerOptions): ResolvedVuerOptions {
  const env = o.env ?? process.env;
  const size = (name: string) => (env[name] ? parseSize(name, env[name] as string) : undefined);
  const resolved: ResolvedVuerOptions = {
    host: o.host ?? (env.VUER_HOST || "127.0.0.1"),
    port: o.port ?? int("VUER_PORT", env.VUER_PORT, 0) ?? 8012,
    basePath: normaliseBasePath(o.basePath),
    queueLen: o.queueLen ?? 100,
    maxSize: o.maxSize ?? size("WEBSOCKET_MAX_SIZE") ?? DEFAULT_MAX_SIZE,
    requestMaxSize: o.requestMaxSize ?? size("REQUEST_MAX_SIZE") ?? DEFAULT_MAX_SIZE,
    sendHighWaterMark: Math.max(1, o.sendHighWaterMark ?? 1024 * 1024),
    cors: o.cors ?? env.VUER_CORS ?? DEFAULT_CORS,
    workspace: [o.workspace ?? env.VUER_WORKSPACE ?? process.cwd()].flat(),
    heartbeatMs: o.heartbeatMs ?? 30_000,
    perMessageDeflate:
      o.perMessageDeflate ??
      (env.VUER_PERMESSAGE_DEFLATE ? parseBool("VUER_PERMESSAGE_DEFLATE", env.VUER_PERMESSAGE_DEFLATE) : false),
    rpcTimeoutMs: o.rpcTimeoutMs ?? 2000,
    indexHtml: o.indexHtml,
    domain: o.domain ?? env.VUER_DOMAIN ?? "https://vuer.ai",
    cert: o.cert ?? env.VUER_SSL_CERT,
    key: o.key ?? env.VUER_SSL_KEY,
    onError: o.onError ?? ((err, context) => console.error(`[vuer] ${context}:`, err)),
  };
  if (!Number.isInteger(resolved.queueLen) || resolved.queueLen < 1) throw new VuerConfigError("queueLen must be >= 1");
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw new VuerConfigError(`port must be 0-65535, got ${resolved.port}`);
  }
  return resolved;
}
