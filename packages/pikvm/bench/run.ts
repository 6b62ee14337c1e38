// Bench: HID events/s ingested by the emulator from one client (JSON and binary) vs a raw `ws` server
// receiving the same frames, and the PiKVMWebSocket client's send rate vs a raw `ws` client.
// For ingest the sender runs in a worker thread, so the figure is the server's own cost.
// Everything binds 127.0.0.1; each figure is the median of 5 runs, alternated with its baseline, after a warm-up,
// in a child process of its own (what one figure warms up must not speed up or slow down the next one).
import { spawn } from "node:child_process";
import { createServer, get as httpGet } from "node:http";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { closeHttpServer, listen } from "@proj/ws-core/server";
import WebSocket, { WebSocketServer } from "ws";
import { PiKVMWebSocket } from "../src/node/index.js";
import { encodeBinaryKey, encodeEvent } from "../src/protocol/index.js";
import { PiKVMEmulator } from "../src/server/index.js";

const N = 20_000;
/** Ingest runs are longer: the server is fast and short runs would mostly time setup. */
const INGEST_N = 500_000;
const RUNS = 5;
const AUTH = { "X-KVMD-User": "admin", "X-KVMD-Passwd": "admin" };

function frames(kind: "json" | "binary", n = N): Array<string | Uint8Array> {
  return Array.from({ length: n }, (_, i) =>
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

// Plain JS for the worker (no TypeScript loader there). It does the upgrade by hand and then writes all
// frames as one pre-framed byte stream (masked with a zero key), so the sender is never the bottleneck.
const SENDER = `
const { parentPort, workerData } = require("node:worker_threads");
const net = require("node:net");
const u = new URL(workerData.url);
const sock = net.connect(Number(u.port), u.hostname);
let head = "";
sock.on("data", function onHead(d) {
  head += d.toString("latin1");
  if (!head.includes("\\r\\n\\r\\n")) return;
  sock.off("data", onHead);
  sock.on("data", () => {});
  parentPort.postMessage(head.startsWith("HTTP/1.1 101") ? "open" : "error " + head.split("\\r\\n")[0]);
});
sock.on("error", (e) => parentPort.postMessage("error " + e.message));
sock.write("GET " + u.pathname + u.search + " HTTP/1.1\\r\\nHost: " + u.host + "\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n" +
  Object.entries(workerData.headers).map(([k, v]) => k + ": " + v + "\\r\\n").join("") + "\\r\\n");
parentPort.on("message", (m) => {
  if (m === "close") { sock.destroy(); return parentPort.close(); }
  const buf = Buffer.from(workerData.stream);
  let off = 0;
  const pump = () => {
    while (off < buf.length) {
      const end = Math.min(off + 65536, buf.length);
      const ok = sock.write(buf.subarray(off, end));
      off = end;
      if (!ok) return sock.once("drain", pump);
    }
  };
  pump();
});`;

const streams = new Map<string, Uint8Array>();

/** All frames of a run as client-to-server wire bytes (masked, zero key); built once per kind. */
function wireStream(kind: "json" | "binary"): Uint8Array {
  const cached = streams.get(kind);
  if (cached) return cached;
  const parts: Buffer[] = [];
  for (const f of frames(kind, INGEST_N)) {
    const payload = typeof f === "string" ? Buffer.from(f) : Buffer.from(f);
    if (payload.length >= 126) throw new Error("bench frames are short");
    parts.push(Buffer.from([typeof f === "string" ? 0x81 : 0x82, 0x80 | payload.length, 0, 0, 0, 0]), payload);
  }
  const stream = new Uint8Array(Buffer.concat(parts));
  streams.set(kind, stream);
  return stream;
}

/** Frames sent from a worker; resolves with events/s once `received()` reaches N. */
async function ingest(url: string, kind: "json" | "binary", received: () => number): Promise<number> {
  const worker = new Worker(SENDER, { eval: true, workerData: { url, headers: AUTH, stream: wireStream(kind) } });
  await new Promise<void>((resolve, reject) =>
    worker.once("message", (m) => (m === "open" ? resolve() : reject(new Error(String(m))))),
  );
  const base = received();
  const t0 = performance.now();
  worker.postMessage("go");
  await until(() => received() - base >= INGEST_N);
  const rate = INGEST_N / ((performance.now() - t0) / 1000);
  worker.postMessage("close");
  await new Promise((r) => worker.once("exit", r));
  return rate;
}

async function ingestEmulator(kind: "json" | "binary"): Promise<number> {
  const emu = new PiKVMEmulator();
  const addr = await emu.listen();
  const rate = await ingest(`${addr.wsUrl}/api/ws?stream=0`, kind, () => emu.hid.accepted);
  await emu.close({ graceMs: 100 });
  return rate;
}

async function ingestRaw(kind: "json" | "binary"): Promise<number> {
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  let count = 0;
  // The baseline only does what any receiver must: count, and parse text frames as JSON.
  wss.on("connection", (ws) =>
    ws.on("message", (data, binary) => {
      if (!binary) JSON.parse((data as Buffer).toString());
      count++;
    }),
  );
  server.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)),
  );
  const l = await listen(server);
  const rate = await ingest(`${l.wsUrl}/`, kind, () => count);
  for (const c of wss.clients) c.terminate();
  wss.close();
  await closeHttpServer(server);
  return rate;
}

async function clientSend(kind: "json" | "binary", raw: boolean): Promise<number> {
  const emu = new PiKVMEmulator();
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

const FRAMES = 40;

/** Baseline for video: the screen rendered and encoded as a PNG snapshot, frames/s (no network). */
async function pngSnapshots(): Promise<number> {
  const emu = new PiKVMEmulator();
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    emu.typeText("x");
    emu.snapshotPng();
  }
  const rate = FRAMES / ((performance.now() - t0) / 1000);
  await emu.close();
  return rate;
}

/** MJPEG frames/s reaching one viewer over HTTP, a screen change before each (no fps cap). */
async function mjpegFrames(): Promise<number> {
  const emu = new PiKVMEmulator({ streamKeepaliveMs: 0 });
  const { url } = await emu.listen({ port: 0 });
  emu.streamer.setParams({ desired_fps: 0 });
  let parts = 0;
  const res = await new Promise<import("node:http").IncomingMessage>((resolve) =>
    httpGet(`${url}/streamer/stream`, { headers: AUTH }, resolve),
  );
  res.on("data", (d: Buffer) => {
    for (let i = d.indexOf("--boundarydonotcross"); i >= 0; i = d.indexOf("--boundarydonotcross", i + 1)) parts++;
  });
  await until(() => parts >= 1);
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    const want = parts + 1;
    emu.typeText("x");
    await until(() => parts >= want);
  }
  const rate = FRAMES / ((performance.now() - t0) / 1000);
  res.destroy();
  await emu.close();
  return rate;
}

/**
 * Runs baseline and candidate alternately (so load changes hit both alike) and returns both medians, after
 * one discarded run of each so that neither pays the JIT warm-up in its figures.
 */
async function paired(base: () => Promise<number>, ours: () => Promise<number>): Promise<[number, number]> {
  await base();
  await ours();
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

/** One figure per child process, so that no measurement runs on JIT state another one left behind. */
type Figure = "ingest-json" | "ingest-binary" | "send-json" | "send-binary" | "video-mjpeg";

async function measure(figure: Figure): Promise<[number, number]> {
  if (figure === "video-mjpeg") return paired(pngSnapshots, mjpegFrames);
  const [what, kind] = figure.split("-") as ["ingest" | "send", "json" | "binary"];
  return what === "ingest"
    ? paired(
        () => ingestRaw(kind),
        () => ingestEmulator(kind),
      )
    : paired(
        () => clientSend(kind, true),
        () => clientSend(kind, false),
      );
}

function inChild(figure: Figure): Promise<[number, number]> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), figure], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  return new Promise((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${figure}: exit ${code}`)))),
  );
}

// A leading "--" (pnpm run bench -- ...) is not a figure.
const figure = process.argv.slice(2).find((a) => a !== "--") as Figure | undefined;
if (figure) {
  process.stdout.write(JSON.stringify(await measure(figure)));
} else {
  const started = performance.now();
  for (const kind of ["json", "binary"] as const) {
    const [raw, ours] = await inChild(`ingest-${kind}`);
    const base = kind === "json" ? "raw ws server + JSON.parse" : "raw ws server";
    line(`server ingest ${kind}`, ours, "events/s", raw, base);
  }
  for (const kind of ["json", "binary"] as const) {
    const [raw, ours] = await inChild(`send-${kind}`);
    line(`client send ${kind}`, ours, "events/s", raw, "raw ws client");
  }
  const [png, mjpeg] = await inChild("video-mjpeg");
  line("MJPEG frames to a viewer", mjpeg, "frames/s", png, "PNG snapshot encodes, in process");
  console.error(`(bench took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
