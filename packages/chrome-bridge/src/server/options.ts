import type { AccessRule, OriginPolicy } from "@proj/ws-core/server";
import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_REST_PORT,
  DEFAULT_WS_PORT,
  SERVER_PING_GRACE_MS,
  SERVER_PING_INTERVAL_MS,
} from "../protocol/constants.js";

export interface HeartbeatOptions {
  /** JSON ping (and protocol ping) period. Default 30000 ms. */
  intervalMs: number;
  /** Time to see any message or pong after a ping before closing with 1011. Default 10000 ms. */
  graceMs: number;
}

export interface BridgeServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** REST port (also serves the WebSocket protocol at /ws). Default 8765; 0 picks a free port. */
  port?: number;
  /** Standalone WebSocket port; `false` for none. Default 8766; 0 picks a free port. */
  wsPort?: number | false;
  /** How long a REST call waits for the extension. Default 30000 ms. */
  commandTimeoutMs?: number;
  /**
   * When set, REST calls and WebSocket upgrades must present it (`Authorization: Bearer`, `X-Bridge-Token` or
   * `?token=`), and a newly connected executor (which presented it) becomes the default one. Without it the
   * first executor to connect stays the default until it disconnects (see PROTOCOL.md "Security").
   */
  token?: string;
  /**
   * Browser origins trusted besides `chrome-extension://` and the server's own pages (same origin, e.g. a panel
   * served by the app that mounts the bridge): a list of exact origins or patterns, or a function that decides.
   */
  allowedOrigins?: OriginPolicy;
  /** Host header names accepted besides loopback names and `host` (DNS-rebinding guard); `"*"` turns the check off. */
  allowedHosts?: ReadonlyArray<AccessRule> | "*";
  /**
   * Receives one line per executor connection and disconnection (id, Origin, remote address, which one is the
   * default). The CLI prints them on stderr. Default: none.
   */
  log?: (line: string) => void;
  heartbeat?: Partial<HeartbeatOptions> | false;
  /** Largest WebSocket frame accepted from an extension (screenshots are big). Default 32 MiB. */
  maxPayload?: number;
  /** Largest REST body. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Commands waiting for an answer at once; more get 429. Default 100 (upstream's max_command_queue). */
  maxPendingCommands?: number;
  /** Extension connections at once; more are refused with 503 before the upgrade. Default 16. */
  maxConnections?: number;
  /** Bytes buffered towards one extension before it counts as stalled and is closed (1008). Default 8 MiB. */
  maxBufferedBytes?: number;
  /**
   * Wire form of commands. `"auto"` (default): the documented envelope, and a connection that rejects it the
   * way upstream's extension does (`Unknown command type: command`) is switched to upstream's bare command
   * objects, the rejected command resent bare. `"envelope"`: always the envelope (a rejection fails the
   * command). `"bare"`: always bare. A connection may also ask for bare with `?format=bare`.
   */
  commandFormat?: "auto" | "envelope" | "bare";
  /** Prefix the REST routes live under when mounted inside another server, e.g. "/bridge". */
  basePath?: string;
}

export type ResolvedOptions = Required<Omit<BridgeServerOptions, "token" | "heartbeat">> & {
  token: string | undefined;
  heartbeat: HeartbeatOptions | false;
};

export function resolveOptions(o: BridgeServerOptions): ResolvedOptions {
  return {
    host: o.host ?? DEFAULT_HOST,
    port: o.port ?? DEFAULT_REST_PORT,
    wsPort: o.wsPort ?? DEFAULT_WS_PORT,
    commandTimeoutMs: o.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    token: o.token || undefined,
    allowedOrigins: o.allowedOrigins ?? [],
    allowedHosts: o.allowedHosts ?? [],
    heartbeat:
      o.heartbeat === false
        ? false
        : {
            intervalMs: o.heartbeat?.intervalMs ?? SERVER_PING_INTERVAL_MS,
            graceMs: o.heartbeat?.graceMs ?? SERVER_PING_GRACE_MS,
          },
    maxPayload: o.maxPayload ?? 32 * 1024 * 1024,
    maxBodyBytes: o.maxBodyBytes ?? 64 * 1024,
    maxPendingCommands: o.maxPendingCommands ?? 100,
    maxConnections: o.maxConnections ?? 16,
    maxBufferedBytes: o.maxBufferedBytes ?? 8 * 1024 * 1024,
    commandFormat: o.commandFormat ?? "auto",
    basePath: (o.basePath ?? "").replace(/\/+$/, ""),
    log: o.log ?? (() => {}),
  };
}
