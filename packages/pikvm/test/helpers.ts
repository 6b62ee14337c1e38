import { connectTestClient, trackLeftover } from "@proj/ws-core/testing";
import { type ListenOptions, PiKVMEmulator, type PiKVMEmulatorOptions } from "../src/server/index.js";

export const AUTH = { "X-KVMD-User": "admin", "X-KVMD-Passwd": "admin" };

/** An emulator on 127.0.0.1:0 with test-friendly timers, closed by disposeLeftovers if a test forgets. */
export async function startEmulator(options: PiKVMEmulatorOptions & ListenOptions = {}) {
  const { host, port, tls, ...rest } = options;
  const emu = new PiKVMEmulator({ heartbeatMs: 0, uptimeIntervalMs: 0, atxClickDelayMs: 5, ...rest });
  const addr = await emu.listen({ ...(host ? { host } : {}), ...(port ? { port } : {}), ...(tls ? { tls } : {}) });
  const untrack = trackLeftover(() => emu.close({ graceMs: 100 }));
  return {
    emu,
    addr,
    url: addr.url,
    wsUrl: `${addr.wsUrl}/api/ws`,
    async close() {
      untrack();
      await emu.close({ graceMs: 100 });
    },
  };
}

/** A raw `ws` client on /api/ws with kvmd headers (pass headers: {} for none). */
export function rawClient(url: string, options: Parameters<typeof connectTestClient>[1] = {}) {
  return connectTestClient(url, { headers: AUTH, ...options });
}

/** Parses a received frame as a kvmd event. */
export function asEvent(m: string | Uint8Array): { event_type: string; event: any } {
  return JSON.parse(typeof m === "string" ? m : new TextDecoder().decode(m));
}

/** Number of events the emulator sends after `loop` on connect (with one client). */
export const FULL_STATE_TYPES = [
  "gpio",
  "hid",
  "atx",
  "msd",
  "streamer",
  "ocr",
  "info",
  "info",
  "info",
  "info",
  "info",
  "info",
  "info",
  "info",
  "switch",
  "hid_keymaps",
  "clients",
];

/** The eight `info` fields, sorted (what GET /api/info and the merged `state.info` hold). */
export const INFO_FIELDS_SORTED = ["auth", "extras", "fan", "health", "meta", "node", "system", "uptime"];

export const PONG = '{"event_type": "pong", "event": {}}';

/** Sends a JSON ping and waits for its pong: everything sent before has been processed by then. */
export async function settle(client: Awaited<ReturnType<typeof rawClient>>): Promise<void> {
  client.send('{"event_type": "ping", "event": {}}');
  await client.next((m) => m === PONG);
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
