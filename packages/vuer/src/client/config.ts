import { VuerConfigError } from "../protocol/errors.js";

export const DEFAULT_URI = "ws://localhost:8012";
/** 256 MiB, upstream's WEBSOCKET_MAX_SIZE default. */
export const DEFAULT_MAX_SIZE = 2 ** 28;

export type Env = Record<string, string | undefined>;

/** Environment variables in Node; `{}` in browsers. Read through globalThis so bundlers pull in nothing. */
export function runtimeEnv(): Env {
  const p = (globalThis as { process?: { env?: Env; versions?: { node?: string } } }).process;
  return p?.versions?.node && p.env ? p.env : {};
}

/** `true|1|yes|on` and `false|0|no|off` (any case); anything else is an error, never silently truthy. */
export function parseBool(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw new VuerConfigError(`${name} must be true/false/1/0/yes/no/on/off, got ${JSON.stringify(raw)}`);
}

/** A positive integer byte count (`1234`, `0x1000` not accepted). */
export function parseSize(name: string, raw: string): number {
  const v = raw.trim();
  if (!/^\d+$/.test(v) || Number(v) <= 0 || !Number.isSafeInteger(Number(v))) {
    throw new VuerConfigError(`${name} must be a positive integer number of bytes, got ${JSON.stringify(raw)}`);
  }
  return Number(v);
}

export interface ResolvedClientConfig {
  uri: string;
  maxSize: number;
  sslVerify: boolean;
}

/** Explicit options win, then `VUER_CLIENT_URI` / `WEBSOCKET_MAX_SIZE` / `VUER_SSL_VERIFY`, then defaults. */
export function resolveClientConfig(
  options: { uri?: string | undefined; maxSize?: number | undefined; sslVerify?: boolean | undefined },
  env: Env = runtimeEnv(),
): ResolvedClientConfig {
  const uri = options.uri ?? (env.VUER_CLIENT_URI?.trim() || undefined) ?? DEFAULT_URI;
  if (!/^wss?:\/\//i.test(uri))
    throw new VuerConfigError(`uri must start with ws:// or wss://, got ${JSON.stringify(uri)}`);
  let maxSize = options.maxSize;
  if (maxSize === undefined && env.WEBSOCKET_MAX_SIZE)
    maxSize = parseSize("WEBSOCKET_MAX_SIZE", env.WEBSOCKET_MAX_SIZE);
  maxSize ??= DEFAULT_MAX_SIZE;
  if (!Number.isSafeInteger(maxSize) || maxSize <= 0) throw new VuerConfigError(`maxSize must be a positive integer`);
  let sslVerify = options.sslVerify;
  if (sslVerify === undefined && env.VUER_SSL_VERIFY) sslVerify = parseBool("VUER_SSL_VERIFY", env.VUER_SSL_VERIFY);
  return { uri, maxSize, sslVerify: sslVerify ?? true };
}
