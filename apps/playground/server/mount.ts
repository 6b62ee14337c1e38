import type { IncomingMessage, ServerResponse } from "node:http";
import type { AccessOptions, UpgradeHandler } from "@proj/ws-core/server";

/** Shared by the mounts: what each needs to reach the others' servers (e.g. the scene showing the KVM console). */
export interface MountContext {
  server: import("node:http").Server;
  baseUrl: string;
  services: Map<string, unknown>;
  /** The playground's trust policy (bind host, allowed origins and hosts): each mount passes it to its server. */
  access: AccessOptions;
}

/** What one protocol contributes to the shared server. */
export interface Mounted {
  name: string;
  /** WebSocket routes (exact paths or `/prefix/*`). */
  routes: Record<string, UpgradeHandler>;
  /** Plain HTTP under the protocol's prefix; return true when handled. */
  handle?(req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean>;
  /** Facts the page needs (paths, ports, availability). */
  info: Record<string, unknown>;
  /** Runs once the routes are live (e.g. a client of this same server connecting). */
  start?(): Promise<void>;
  close(): Promise<void>;
}
