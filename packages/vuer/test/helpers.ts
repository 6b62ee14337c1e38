import { NodeWebSocket } from "@proj/ws-core/node";
import { connectTestClient, type TestClient, trackLeftover } from "@proj/ws-core/testing";
import {
  ClientEvent,
  decodeEvent,
  encodeFrame,
  type ServerEvent,
  VuerClient,
  type VuerClientOptions,
} from "../src/index.js";
import { Vuer, type VuerOptions } from "../src/server/index.js";

/** A started server on 127.0.0.1:0 whose reported errors are collected instead of printed. */
export async function startVuer(options: VuerOptions = {}): Promise<{ app: Vuer; url: string; errors: unknown[] }> {
  const errors: unknown[] = [];
  const app = new Vuer({ port: 0, heartbeatMs: false, env: {}, onError: (e) => errors.push(e), ...options });
  const { url } = await app.start();
  trackLeftover(() => app.close({ graceMs: 100 }));
  return { app, url, errors };
}

/** A raw `ws` peer speaking msgpack: what a browser (or upstream's Python client) puts on the wire. */
export interface RawPeer extends TestClient {
  sendEvent(ev: Record<string, unknown>): void;
  nextEvent(predicate?: (ev: ServerEvent) => boolean, timeoutMs?: number): Promise<ServerEvent>;
}

export async function rawPeer(url: string, init?: Record<string, unknown> | false): Promise<RawPeer> {
  const c = await connectTestClient(url);
  const peer: RawPeer = Object.assign(c, {
    sendEvent: (ev: Record<string, unknown>) => c.send(encodeFrame({ ts: Date.now(), ...ev })),
    nextEvent: async (predicate?: (ev: ServerEvent) => boolean, timeoutMs?: number) => {
      const raw = await c.next((m) => {
        if (typeof m === "string") return false;
        return !predicate || predicate(decodeEvent<ServerEvent>(m));
      }, timeoutMs);
      return decodeEvent<ServerEvent>(raw);
    },
  });
  if (init !== false) peer.sendEvent({ etype: "INIT", value: init ?? { client: "browser", clientVersion: "test" } });
  return peer;
}

/** A VuerClient over Node's `ws`, not connected yet; closed by disposeLeftovers if a test forgets. */
export function newVuerClient(uri: string, options: VuerClientOptions = {}): VuerClient {
  const client = new VuerClient({ uri, WebSocket: NodeWebSocket, env: {}, ...options });
  trackLeftover(() => client.close());
  return client;
}

/** A connected `newVuerClient`. */
export function vuerClient(uri: string, options: VuerClientOptions = {}): Promise<VuerClient> {
  return newVuerClient(uri, options).connect();
}

export class HelloEvent extends ClientEvent {
  static override etype = "HELLO";
}

export class MoveBoxEvent extends ClientEvent {
  static override etype = "MOVE_BOX";
}

/** The `nodes` of an ADD/UPSERT/UPDATE event (empty for anything else). */
export function nodesOf(ev: ServerEvent | null | undefined): Array<Record<string, any>> {
  return ((ev?.data ?? {}) as { nodes?: Array<Record<string, any>> }).nodes ?? [];
}
