// `pnpm --filter @proj/vuer bench`: codec throughput vs plain msgpackr, and shared-scene fan-out vs a raw
// `ws` broadcast. Bounded (about 30 s), 127.0.0.1 only. One line per figure:
//   bench <name>: <value> <unit> (<ratio>x <baseline>)
import { execFileSync, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pack, unpack } from "msgpackr";
import WebSocket from "ws";
import { decodeFrame, encodeFrame, upsertEvent } from "../src/index.js";
import { PointCloud, toColorBytes, toFloat16Bytes } from "../src/schemas/index.js";
import { offerFrameRoom } from "../src/protocol/msgpack/encode.js";
import { coloursInto, float16Into } from "../src/schemas/convert.js";
import { setSimdEnabled } from "../src/schemas/simd.js";

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
function compare(a: () => unknown, b: () => unknown, rounds = 6, roundMs = 250): [number, number] {
  rate(a, 150);
  rate(b, 150);
  let bestA = 0;
  let bestB = 0;
  for (let r = 0; r < rounds; r++) {
    bestA = Math.max(bestA, rate(a, roundMs));
    bestB = Math.max(bestB, rate(b, roundMs));
  }
  return [bestA, bestB];
}

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

const [encOurs, encPackr] = compare(
  () => encodeFrame(event),
  () => pack(event),
);
line("encode-upsert-pointcloud-100k", encOurs, "ops/s", encOurs / encPackr, "msgpackr.pack");
line("encode-upsert-pointcloud-100k-bytes", encOurs * mb, "MB/s", encOurs / encPackr, "msgpackr.pack");
const [decOurs, decPackr] = compare(
  () => decodeFrame(ours),
  () => unpack(theirs),
);
line("decode-upsert-pointcloud-100k", decOurs, "ops/s", decOurs / decPackr, "msgpackr.unpack");
const build = () => encodeFrame(upsertEvent(PointCloud({ key: "pc", vertices: xyz, colors: rgb, size: 0.01 })));

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
// The same work into one reused buffer: what converting and framing cost without the page faults of fresh memory
// (every event above gets a new 0.9 MB buffer, and the memory the allocator hands back is often not yet mapped).
{
  const pc = PointCloud({ key: "pc", vertices: xyz, colors: rgb, size: 0.01 });
  const v = pc.vertices as Uint8Array<ArrayBuffer>;
  const c = pc.colors as Uint8Array<ArrayBuffer>;
  const reused = () => {
    float16Into(xyz, new Uint16Array(v.buffer, v.byteOffset, xyz.length));
    coloursInto(rgb, c);
    offerFrameRoom(v.buffer, [v, c]);
    return encodeFrame(upsertEvent(pc));
  };
  const reusedCpu = cpuRate(reused);
  if (upstream !== undefined)
    line(
      "build+encode-pointcloud-100k-from-float32-reused-buffer-per-cpu-second",
      reusedCpu,
      "events/cpu-s",
      reusedCpu / upstream.cpu,
      "upstream-python-same-run-per-cpu-second",
    );
  else
    line(
      "build+encode-pointcloud-100k-from-float32-reused-buffer-per-cpu-second",
      reusedCpu,
      "events/cpu-s",
      reusedCpu / 356,
      "upstream-python-reference-356",
    );
}
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

// ---- fan-out: 60 upserts/s to 50 clients through the shared scene, vs raw ws broadcast ----
const CLIENTS = 50;
const RATE = 60;
const SECONDS = 3;

async function fanout(mode: "vuer" | "raw"): Promise<{ delivered: number; perSec: number; cpuMsPerSec: number }> {
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
  try {
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
    const t0 = performance.now();
    child.send({ cmd: "run", rate: RATE, seconds: SECONDS });
    const done = await next<{ ops: number; wallMs: number; cpuMs: number }>((m) => m.done);
    const expected = done.ops * CLIENTS;
    const deadline = performance.now() + 5000;
    while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const wall = performance.now() - t0;
    for (const ws of sockets) ws.terminate();
    child.send({ cmd: "close" });
    return { delivered, perSec: (delivered * 1000) / wall, cpuMsPerSec: (done.cpuMs * 1000) / done.wallMs };
  } finally {
    setTimeout(() => child.kill("SIGKILL"), 3000).unref();
  }
}

const vuer = await fanout("vuer");
const raw = await fanout("raw");
line(
  `fanout-${RATE}hz-${CLIENTS}-clients-delivered`,
  vuer.perSec,
  "msg/s",
  vuer.perSec / raw.perSec,
  "raw-ws-broadcast",
);
line(
  `fanout-${RATE}hz-${CLIENTS}-clients-server-cpu`,
  vuer.cpuMsPerSec,
  "cpu-ms/s",
  vuer.cpuMsPerSec / raw.cpuMsPerSec,
  "raw-ws-broadcast",
);
if (vuer.delivered !== RATE * SECONDS * CLIENTS)
  console.error(`note: delivered ${vuer.delivered} of ${RATE * SECONDS * CLIENTS}`);
