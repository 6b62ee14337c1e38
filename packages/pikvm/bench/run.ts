// Bench: HID events/s ingested by the emulator from one client (JSON and binary) vs a raw `ws` server
// receiving the same frames, and the PiKVMWebSocket client's send rate vs a raw `ws` client.
// Everything binds 127.0.0.1; each figure is the median of 5 short runs, alternated with its baseline.
import { createServer } from "node:http";
import { closeHttpServer, listen } from "@proj/ws-core/server";
import WebSocket, { WebSocketServer } from "ws";
import { PiKVMWebSocket } from "../src/node/index.js";
import { encodeBinaryKey, encodeEvent } from "../src/protocol/index.js";
import { PiKVMEmulator } from "../src/server/index.js";

const N = 20_000;
const RUNS = 5;
const AUTH = { "X-KVMD-User": "admin", "X-KVMD-Passwd": "admin" };

function frames(kind: "json" | "binary"): Array<string | Uint8Array> {
  return Array.from({ length: N }, (_, i) =>
    kind === "json" ? encodeEvent("key", { key: "KeyA", state: i % 2 === 0 }) : encodeBinaryKey("KeyA", i % 2 === 0),
  );
}

/** Sends frames as fast as the socket drains, resolving when the last one is handed to the kernel. */
async function pump(ws: WebSocket, list: Array<string | Uint8Array>): Promise<void> {
  for (let i = 0; i < list.length; i++) {
    ws.send(list[i] as string | Uint8Array);
    if (ws.bufferedAmount > 1 << 20) await new Promise((r) => setTimeout(r, 0));
  }
}

const until = (check: () => boolean) =>
  new Promise<void>((resolve) => {
    const tick = () => (check() ? resolve() : setImmediate(tick));
    tick();
  });

const open = (url: string) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { headers: AUTH, perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });

async function ingestEmulator(kind: "json" | "binary"): Promise<number> {
  const emu = new PiKVMEmulator({ heartbeatMs: 0, uptimeIntervalMs: 0 });
  const addr = await emu.listen();
  const ws = await open(`${addr.wsUrl}/api/ws?stream=0`);
  const list = frames(kind);
  const base = emu.hid.accepted;
  const t0 = performance.now();
  await pump(ws, list);
  await until(() => emu.hid.accepted - base >= N);
  const rate = N / ((performance.now() - t0) / 1000);
  ws.terminate();
  await emu.close({ graceMs: 100 });
  return rate;
}

async function ingestRaw(kind: "json" | "binary"): Promise<number> {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  let count = 0;
  wss.on("connection", (ws) => ws.on("message", () => count++));
  server.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)),
  );
  const l = await listen(server);
  const ws = await open(`${l.wsUrl}/`);
  const t0 = performance.now();
  await pump(ws, frames(kind));
  await until(() => count >= N);
  const rate = N / ((performance.now() - t0) / 1000);
  ws.terminate();
  wss.close();
  await closeHttpServer(server);
  return rate;
}

async function clientSend(kind: "json" | "binary", raw: boolean): Promise<number> {
  const emu = new PiKVMEmulator({ heartbeatMs: 0, uptimeIntervalMs: 0 });
  const addr = await emu.listen();
  const base = emu.hid.accepted;
  let t0: number;
  if (raw) {
    const ws = await open(`${addr.wsUrl}/api/ws?stream=0`);
    const list = frames(kind);
    t0 = performance.now();
    await pump(ws, list);
    await until(() => emu.hid.accepted - base >= N);
    ws.terminate();
  } else {
    const ws = await PiKVMWebSocket.connect({ url: addr.url, passwd: "admin", hid: kind });
    t0 = performance.now();
    for (let i = 0; i < N; i++) {
      ws.sendKey("KeyA", i % 2 === 0);
      if (ws.bufferedAmount > 1 << 20) await new Promise((r) => setTimeout(r, 0));
    }
    await until(() => emu.hid.accepted - base >= N);
    await ws.close();
  }
  const rate = N / ((performance.now() - t0) / 1000);
  await emu.close({ graceMs: 100 });
  return rate;
}

/** Runs baseline and candidate alternately (so load changes hit both alike) and returns both medians. */
async function paired(base: () => Promise<number>, ours: () => Promise<number>): Promise<[number, number]> {
  const b: number[] = [];
  const o: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    b.push(await base());
    o.push(await ours());
  }
  const med = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
  return [med(b), med(o)];
}

const line = (name: string, value: number, unit: string, base: number, baseName: string) =>
  console.log(`bench ${name}: ${Math.round(value)} ${unit} (${(value / base).toFixed(2)}x ${baseName})`);

const started = performance.now();
for (const kind of ["json", "binary"] as const) {
  const [raw, ours] = await paired(
    () => ingestRaw(kind),
    () => ingestEmulator(kind),
  );
  line(`server ingest ${kind}`, ours, "events/s", raw, "raw ws server");
}
for (const kind of ["json", "binary"] as const) {
  const [raw, ours] = await paired(
    () => clientSend(kind, true),
    () => clientSend(kind, false),
  );
  line(`client send ${kind}`, ours, "events/s", raw, "raw ws client");
}
console.error(`(bench took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
