import type { AccessGuard, AccessOptions } from "@proj/ws-core/server";
import type { ConsoleOptions } from "./virtual-console.js";
import type { GpioModel } from "./virtual-gpio.js";

export interface PiKVMEmulatorOptions {
  /** The single user (kvmd's default is admin/admin). Ignored when `users` is given. */
  user?: string;
  passwd?: string;
  /** user -> password. */
  users?: Record<string, string>;
  /** kvmd `auth.enabled`. Default true. */
  authEnabled?: boolean;
  /** Path prefix before `/api` (e.g. "/pikvm" serves "/pikvm/api/ws"). Default "". */
  basePath?: string;
  /** kvmd version announced in `loop` and `info.system`. Default 4.206. */
  version?: { major: number; minor: number };
  /** Host name reported in `info.node`/`info.meta`. Default "pikvm". */
  hostName?: string;
  /** Protocol PING after this much silence, ms (aiohttp heartbeat). Default 15000; 0 disables. */
  heartbeatMs?: number;
  /** Cut the connection if no PONG within this, ms. Default heartbeatMs/2. */
  heartbeatTimeoutMs?: number;
  /** Broadcast `info {"uptime"}` this often, ms. Default 5000; 0 disables. */
  uptimeIntervalMs?: number;
  /** Largest accepted frame, bytes; larger frames close with 1009. Default 1 MiB. */
  maxPayload?: number;
  /** Concurrent sockets; more are refused with 503 before the upgrade. Default 100. */
  maxClients?: number;
  /** A client whose unsent backlog passes this many bytes is disconnected (1008). Default 4 MiB. */
  slowConsumerBytes?: number;
  /** REST body limit, bytes. Default 64 KiB. */
  maxBodyBytes?: number;
  /** ATX button press duration, ms. Default 100. */
  atxClickDelayMs?: number;
  /** Bounded HID input log length. Default 1000. */
  hidLogLimit?: number;
  console?: ConsoleOptions;
  /** kvmd's `jiggler.enabled`: whether `set_params?jiggler=` may switch the jiggler on. Default true. */
  jigglerEnabled?: boolean;
  /** Lines kept for `GET /api/log`. Default 1000. */
  logLimit?: number;
  /** The MJPEG stream resends its last frame after this much quiet, ms (0: never). Default 1000. */
  streamKeepaliveMs?: number;
  /** Directory of the virtual media's images. Default: a temporary directory, removed on close. */
  msdDir?: string;
  /** Size of the virtual media's storage, bytes: uploads that do not fit are refused. Default 256 MiB. */
  msdStorageBytes?: number;
  /** The GPIO channels (inputs and outputs). Default: a PiKVM V3's one output, `__v3_usb_breaker__`. */
  gpio?: GpioModel;
  /** MJPEG viewers at once; more get 503. Default 10. */
  maxStreamClients?: number;
  /**
   * Serve static files from this directory for non-API paths (e.g. a locally exported kvmd web UI). Symlinks
   * pointing out of it and dot-files answer 404.
   */
  staticDir?: string;
  /**
   * Who may reach the emulator at all, before kvmd's auth (ws-core's `AccessGuard`, applied to REST, static files
   * and `/api/ws` upgrades): by default, on a loopback bind, `Host` must name this machine (DNS rebinding), and a
   * browser `Origin` must be the emulator's own (its `staticDir` pages) unless listed in `allowedOrigins`. Options
   * without `bindHost` take the address `listen()` binds (127.0.0.1 when mounted); pass the mounting server's
   * policy (or its `AccessGuard`) when mounted on a server bound elsewhere. `false` trusts every Host and Origin.
   */
  access?: AccessGuard | AccessOptions | false;
}

export const defaults = {
  user: "admin",
  passwd: "admin",
  version: { major: 4, minor: 206 },
  hostName: "pikvm",
  heartbeatMs: 15_000,
  uptimeIntervalMs: 5_000,
  maxPayload: 1024 * 1024,
  maxClients: 100,
  slowConsumerBytes: 4 * 1024 * 1024,
  maxBodyBytes: 64 * 1024,
  atxClickDelayMs: 100,
  logLimit: 1000,
  maxStreamClients: 10,
  msdStorageBytes: 256 * 1024 * 1024,
} as const;
