// `pnpm --filter @proj/vuer bench`: codec throughput vs plain msgpackr, and shared-scene fan-out vs a raw
// `ws` broadcast, build+encode of point clouds, the whole streaming path to a socket. Bounded (about 75 s),
// 127.0.0.1 only. One line per figure:
//   bench <name>: <value> <unit> (<ratio>x <baseline>)
import { execFileSync, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pack, unpack } from "msgpackr";
import WebSocket from "ws";
import { decodeFrame, encodeFrame, upsertEvent } from "../src/index.js";
import { _encodeOwnedFrame } from "../src/protocol/codec.js";
import { frameLease } from "../src/protocol/msgpack/encode.js";
import { type Element, PointCloud, PointCloudStream, toColorBytes, toFloat16Bytes } from "../src/schemas/index.js";
import { setSimdEnabled } from "../src/schemas/simd.js";
import { Vuer, type VuerSession } from "../src/server/index.js";

const line = (name: string, value: number, unit: string, ratio: number, baseline: string) =>
  console.log(`bench ${name}: ${fmt(value)} ${unit} (${ratio.toFixed(2)}x ${baseline})`);
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** Calls per second of fn over about `ms` of wall time. */
function rate(fn: () => unknown, ms: number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    fn();
    n++;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

/**
 * Calls per CPU-second of fn (user + system time of the whole process, GC threads included): on a shared, busy
 * machine this moves much less with the load than calls per wall-clock second. Best of `rounds`.
 */
function cpuRate(fn: () => unknown, rounds = 6, roundMs = 250): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < roundMs) {
      fn();
      n++;
    }
    const c = process.cpuUsage(c0);
    best = Math.max(best, (n * 1e6) / (c.user + c.system));
  }
  return best;
}

/**
 * Both functions in alternating rounds (the machine is shared, so load shifts between rounds); the best
 * round of each is kept. About 2 x rounds x roundMs of wall time.
 */
function compare(
  a: () => unknown,
  b: () => unknown,
  rounds = 6,
  roundMs = 250,
  ratios: number[] = [],
): [number, number] {
  rate(a, 150);
  rate(b, 150);
  let bestA = 0;
  let bestB = 0;
  for (let r = 0; r < rounds; r++) {
    const ra = rate(a, roundMs);
    const rb = rate(b, roundMs);
    ratios.push(ra / rb);
    bestA = Math.max(bestA, ra);
    bestB = Math.max(bestB, rb);
  }
  return [bestA, bestB];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

// ---- codec: an UPSERT of a 100,000-point cloud ----
const N = 100_000;
const xyz = new Float32Array(N * 3);
const rgb = new Float32Array(N * 3);
for (let i = 0; i < xyz.length; i++) {
  xyz[i] = Math.sin(i) * 5;
  rgb[i] = (i % 255) / 255;
}
const event = upsertEvent(PointCloud({ key: "pc", vertices: xyz, colors: rgb, size: 0.01 }));
const ours = encodeFrame(event);
const theirs = pack(event);
const mb = ours.byteLength / 1e6;

// Both sides allocate a fresh 0.9 MB buffer per call, and whether the allocator hands back still-mapped memory
// or fresh pages (a fault per 4 KiB) moves either rate up to eight-fold from round to round on a busy machine:
// twelve rounds each, the best of each kept, and the median of the rounds' own ratios printed beside it.
const encRatios: number[] = [];
const [encOurs, encPackr] = compare(
  () => encodeFrame(event),
  () => pack(event),
  12,
  250,
  encRatios,
);
line("encode-upsert-pointcloud-100k", encOurs, "ops/s", encOurs / encPackr, "msgpackr.pack");
console.log(
  `bench encode-upsert-pointcloud-100k-round-ratios: median ${median(encRatios).toFixed(2)}x msgpackr.pack over ${encRatios.length} alternating rounds, spread ${Math.min(...encRatios).toFixed(2)}-${Math.max(...encRatios).toFixed(2)}; target >= 1.5x: ${encOurs / encPackr >= 1.5 ? "met" : "missed"} (best against best)`,
);
line("encode-upsert-pointcloud-100k-bytes", encOurs * mb, "MB/s", encOurs / encPackr, "msgpackr.pack");
const [decOurs, decPackr] = compare(
  () => decodeFrame(ours),
  () => unpack(theirs),
);
line("decode-upsert-pointcloud-100k", decOurs, "ops/s", decOurs / decPackr, "msgpackr.unpack");
// ---- build+encode: 100,000 points with colours from float32, conversion included ----
// What a server streaming a sensor's clouds does per event: `PointCloudStream.next` converts into the stream's
// recycled buffer and the UPSERT is framed in place there, exactly as `session.upsert` / `scene.upsert` encode it;
// the buffer is then released the way the server releases it once every socket has written the frame (the socket
// write itself, which upstream's figure leaves out too, is measured by `stream-...-to-socket` below).
const stream = new PointCloudStream({ key: "pc", size: 0.01 });
const build = () => {
  const frame = _encodeOwnedFrame(upsertEvent(stream.next(xyz, rgb)));
  const lease = frameLease(frame); // undefined only where clouds are not framed in place (big-endian hosts)
  if (lease) lease.sent++; // what the server's write callback leaves: written, nothing pending
  return frame;
};
// The builder for one-off clouds: `PointCloud` + `encodeFrame`, a fresh 0.9 MB buffer per event (the caller owns
// the frame). Its figure moves several-fold with how much of the memory handed back is still mapped.
const buildFresh = () => encodeFrame(upsertEvent(PointCloud({ key: "pc", vertices: xyz, colors: rgb, size: 0.01 })));

/**
 * Upstream's path in Python (numpy float16 conversion, colours * 255 as uint8, packb), timed now on this machine
 * by bench/upstream-pointcloud.py when a Python with numpy and msgpack is found; undefined otherwise.
 */
function upstreamNow(): { wall: number; cpu: number } | undefined {
  const script = fileURLToPath(new URL("./upstream-pointcloud.py", import.meta.url));
  for (const python of [process.env.VUER_BENCH_PYTHON, "python3", "/usr/bin/python3"]) {
    if (!python) continue;
    try {
      const out = execFileSync(python, [script, "1.5"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      const [wall, cpu] = out.trim().split(/\s+/).map(Number);
      if (wall !== undefined && cpu !== undefined && wall > 0 && cpu > 0) return { wall, cpu };
    } catch {
      // not this one (missing, or without numpy/msgpack)
    }
  }
  return undefined;
}

const [full] = compare(build, () => 0, 4);
const upstream = upstreamNow();
const [full2] = compare(build, () => 0, 4); // again after the Python run: the better of the two (load shifts)
const built = Math.max(full, full2);
// The figure the issue set the target against: upstream measured once at about 356 events/s on this kind of machine.
line("build+encode-pointcloud-100k-from-float32", built, "events/s", built / 356, "upstream-python-reference-356");
const builtCpu = cpuRate(build);
if (upstream !== undefined) {
  line(
    "build+encode-pointcloud-100k-from-float32",
    built,
    "events/s",
    built / upstream.wall,
    "upstream-python-same-run",
  );
  line(
    "build+encode-pointcloud-100k-from-float32-per-cpu-second",
    builtCpu,
    "events/cpu-s",
    builtCpu / upstream.cpu,
    "upstream-python-same-run-per-cpu-second",
  );
} else console.error("note: no python3 with numpy and msgpack found: no same-run upstream baseline");
const [fresh] = compare(buildFresh, () => 0, 4);
line(
  "build+encode-pointcloud-100k-from-float32-fresh-buffers",
  fresh,
  "events/s",
  fresh / 356,
  "upstream-python-reference-356",
);
// The same without WebAssembly SIMD (runtimes without it, or a CSP that forbids WebAssembly): plain JS.
setSimdEnabled(false);
const [plain] = compare(build, () => 0, 4);
setSimdEnabled(true);
line(
  "build+encode-pointcloud-100k-from-float32-plain-js",
  plain,
  "events/s",
  plain / 356,
  "upstream-python-reference-356",
);
// The conversions alone (what numpy does in C), into fresh buffers: SIMD against the plain-JS loop.
const convert = () => [toFloat16Bytes(xyz), toColorBytes(rgb)];
const [simdConv] = compare(convert, () => 0, 4);
setSimdEnabled(false);
const [jsConv] = compare(convert, () => 0, 4);
setSimdEnabled(true);
line("convert-pointcloud-100k-float16+colours", simdConv, "clouds/s", simdConv / jsConv, "plain-js");

// ---- the whole server path: clouds streamed to a real client over a socket ----
// One session, its client in a child process that takes every frame (bench/sink.ts); the server awaits
// `session.drained()` after each cloud, so nothing is queued or dropped. Figures: the server process's CPU per
// event (this process: conversion, framing, ws-core/ws, the kernel's copy into the socket, GC), for
// `PointCloudStream` against the `PointCloud` builder (a fresh buffer per event) in alternating rounds; the
// wall-clock rate is the client's reading pace on this machine, not the server's.
async function streamToSocket(): Promise<{ stream: number; fresh: number; wall: number; faults: number }> {
  const app = new Vuer({ port: 0, heartbeatMs: false, env: {} });
  const session = new Promise<VuerSession>((resolve) =>
    app.spawn(async (s) => {
      resolve(s);
      await s.forever();
    }),
  );
  const { url } = await app.start();
  const child = fork(fileURLToPath(new URL("./sink.ts", import.meta.url)), [url], {
    execArgv: ["--conditions", "@proj/source", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const s = await session;
    const sock = new PointCloudStream({ key: "pc", size: 0.01 });
    const round = async (make: () => Element, ms: number) => {
      const f0 = process.resourceUsage().minorPageFault;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < ms) {
        s.upsert(make());
        n++;
        await s.drained();
      }
      const c = process.cpuUsage(c0);
      const faults = (process.resourceUsage().minorPageFault - f0) / n;
      return { cpu: (n * 1e6) / (c.user + c.system), wall: (n * 1000) / (performance.now() - t0), faults };
    };
    const viaStream = () => sock.next(xyz, rgb);
    const viaBuilder = () => PointCloud({ key: "pc", vertices: xyz, colors: rgb, size: 0.01 });
    await round(viaStream, 200);
    await round(viaBuilder, 200);
    let best = { stream: 0, fresh: 0, wall: 0, faults: 0 };
    for (let r = 0; r < 4; r++) {
      const a = await round(viaStream, 500);
      const b = await round(viaBuilder, 500);
      if (a.cpu > best.stream) best = { ...best, stream: a.cpu, wall: a.wall, faults: a.faults };
      best.fresh = Math.max(best.fresh, b.cpu);
    }
    if (s.stats.dropped > 0) console.error(`note: ${s.stats.dropped} frames dropped in the socket bench`);
    return best;
  } finally {
    child.kill();
    await app.close({ graceMs: 200 });
  }
}
{
  const r = await streamToSocket();
  line(
    "stream-pointcloud-100k-to-socket-per-server-cpu-second",
    r.stream,
    "events/cpu-s",
    r.stream / r.fresh,
    "PointCloud-builder-to-socket-same-run",
  );
  line(
    "stream-pointcloud-100k-to-socket-per-server-cpu-second",
    r.stream,
    "events/cpu-s",
    r.stream / 356,
    "upstream-python-reference-356",
  );
  console.log(
    `bench stream-pointcloud-100k-to-socket: ${fmt(r.wall)} events/s at the client's pace, ${r.faults.toFixed(1)} page faults/event`,
  );
}

// ---- fan-out: 60 upserts/s to 50 clients through the shared scene, vs raw ws broadcast ----
// Both servers stay up in processes of their own, with their 50 clients connected, and run side by side: a round
// ticks both for the same SECONDS, so whatever else the machine does in those seconds weighs on both alike (taking
// turns, 3 s each, still swung 0.75x-1.69x under other jobs' load). The figure is the median of the rounds'
// ratios, printed with their spread. At 60 Hz a server's CPU is about a tenth of a core.
const CLIENTS = 50;
const RATE = 60;
const SECONDS = 3;
const FAN_ROUNDS = Number(process.env.VUER_BENCH_FANOUT_ROUNDS ?? 7);

interface FanoutRun {
  delivered: number;
  expected: number;
  perSec: number;
  cpuMsPerSec: number;
}

interface FanoutServer {
  run(seconds: number): Promise<FanoutRun>;
  close(): void;
}

async function fanoutServer(mode: "vuer" | "raw"): Promise<FanoutServer> {
  const child = fork(fileURLToPath(new URL("./fanout-server.ts", import.meta.url)), [mode], {
    execArgv: ["--conditions", "@proj/source", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T>(pred: (m: any) => boolean) =>
    new Promise<T>((resolve) => {
      const on = (m: any) => {
        if (!pred(m)) return;
        child.off("message", on);
        resolve(m);
      };
      child.on("message", on);
    });
  const { url } = await next<{ url: string }>((m) => "url" in m);
  let delivered = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.on("message", () => delivered++);
          ws.once("open", () => {
            ws.send(encodeFrame({ ts: Date.now(), etype: "INIT", value: { client: "bench" } }));
            resolve(ws);
          });
          ws.once("error", reject);
        }),
    ),
  );
  for (;;) {
    child.send({ cmd: "subscribers" });
    const { subscribers } = await next<{ subscribers: number }>((m) => "subscribers" in m);
    if (subscribers === CLIENTS) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    async run(seconds) {
      delivered = 0;
      const t0 = performance.now();
      child.send({ cmd: "run", rate: RATE, seconds });
      const done = await next<{ ops: number; wallMs: number; cpuMs: number }>((m) => m.done);
      const expected = done.ops * CLIENTS;
      const deadline = performance.now() + 5000;
      while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const wall = performance.now() - t0;
      return {
        delivered,
        expected,
        perSec: (delivered * 1000) / wall,
        cpuMsPerSec: (done.cpuMs * 1000) / done.wallMs,
      };
    },
    close() {
      for (const ws of sockets) ws.terminate();
      child.send({ cmd: "close" });
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
    },
  };
}

const servers = { vuer: await fanoutServer("vuer"), raw: await fanoutServer("raw") };
try {
  // warm-up: JIT and the sockets' first writes, not measured
  await Promise.all([servers.vuer.run(1), servers.raw.run(1)]);
  const runs: Record<"vuer" | "raw", FanoutRun[]> = { vuer: [], raw: [] };
  for (let r = 0; r < FAN_ROUNDS; r++) {
    const [v, raw] = await Promise.all([servers.vuer.run(SECONDS), servers.raw.run(SECONDS)]);
    runs.vuer.push(v);
    runs.raw.push(raw);
  }
  const ratios = (k: "perSec" | "cpuMsPerSec") => runs.vuer.map((v, i) => v[k] / (runs.raw[i] as FanoutRun)[k]);
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
  const delivered = ratios("perSec");
  const cpu = ratios("cpuMsPerSec");
  console.log(
    `bench fanout-${RATE}hz-${CLIENTS}-clients-delivered: ${fmt(median(runs.vuer.map((v) => v.perSec)))} msg/s (${median(delivered).toFixed(2)}x raw-ws-broadcast, median of ${FAN_ROUNDS} rounds, spread ${spread(delivered)})`,
  );
  const c = median(cpu);
  console.log(
    `bench fanout-${RATE}hz-${CLIENTS}-clients-server-cpu: ${fmt(median(runs.vuer.map((v) => v.cpuMsPerSec)))} cpu-ms/s (${c.toFixed(2)}x raw-ws-broadcast, median of ${FAN_ROUNDS} rounds, spread ${spread(cpu)}; target <= 1.1x: ${c <= 1.1 ? "met" : "missed"})`,
  );
  for (const v of runs.vuer)
    if (v.delivered !== v.expected) console.error(`note: a vuer round delivered ${v.delivered} of ${v.expected}`);
} finally {
  servers.vuer.close();
  servers.raw.close();
}
