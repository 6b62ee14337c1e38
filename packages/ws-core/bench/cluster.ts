// Cluster bench: ClusterHub over a real redis-server, server instances in their own processes on 127.0.0.1.
// - op-to-delivery latency: a broadcast sent by a client on instance A, received by a client on A (within
//   one instance) vs on B (through Redis); p50/p99 and the difference.
// - fan-out: delivered messages per second to 1,000 viewers on 1 instance vs spread over 2 instances.
// Prints `bench <name>: <value> <unit> (<ratio>x <baseline>)` lines.
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { disposeLeftovers, type ScriptProcess, spawnScript, startRedis } from "../src/testing/index.js";

const LAT_N = Number(process.env.BENCH_CLUSTER_LAT ?? 1500);
const VIEWERS = Number(process.env.BENCH_CLUSTER_VIEWERS ?? 1000);
const BURST = Number(process.env.BENCH_CLUSTER_BURST ?? 200);
const ROUNDS = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 5);
const SIZE = 100; // payload bytes: a 2-byte header frame, 102 bytes on the wire
const cwd = fileURLToPath(new URL("..", import.meta.url));

async function instance(url: string): Promise<{ proc: ScriptProcess; port: number }> {
  const proc = spawnScript("test/fixtures/cluster-server.ts", [url, "10000"], { cwd });
  const m = await proc.line(/^listening (\d+) /, 60_000);
  return { proc, port: Number(m[1]) };
}

async function wsClient(port: number): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise((r, j) => {
    ws.once("open", r);
    ws.once("error", j);
  });
  return ws;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/**
 * Op-to-delivery latency, paired: a client on A asks A for a broadcast, and one viewer on A (within the instance)
 * and one on B (through Redis) time its arrival. Both paths are measured on the same operations, so the
 * machine's load at any moment weighs on both alike.
 */
async function latency(aPort: number, bPort: number): Promise<{ local: number[]; bus: number[] }> {
  const tx = await wsClient(aPort);
  const rxA = await wsClient(aPort);
  const rxB = await wsClient(bPort);
  let want = "";
  let t = 0;
  let arrived: (which: "local" | "bus", ms: number) => void = () => {};
  rxA.on("message", (d) => d.toString() === want && arrived("local", performance.now() - t));
  rxB.on("message", (d) => d.toString() === want && arrived("bus", performance.now() - t));
  const local: number[] = [];
  const bus: number[] = [];
  for (let i = 0; i < LAT_N + 100; i++) {
    const got = new Promise<{ local: number; bus: number }>((resolve) => {
      const r = { local: -1, bus: -1 };
      arrived = (which, ms) => {
        r[which] = ms;
        if (r.local >= 0 && r.bus >= 0) resolve(r);
      };
    });
    want = `l${i}`;
    t = performance.now();
    tx.send(JSON.stringify({ op: "broadcast", text: want }));
    const r = await got;
    if (i >= 100) {
      local.push(r.local);
      bus.push(r.bus);
    }
  }
  for (const ws of [tx, rxA, rxB]) ws.close();
  return { local, bus };
}

/** A WebSocket viewer that only counts bytes (no frame parsing), so the servers, not the bench, are measured. */
interface Viewer {
  sock: Socket;
  bytes: () => number;
  /** Calls `done` once `n` more bytes have arrived. */
  expect(n: number, done: () => void): void;
}

/**
 * One read buffer for every viewer: with `onread`, Node reads each socket straight into it and calls back with
 * the byte count, with no Buffer allocated, no stream machinery and no `data` event per read. The viewers only
 * count bytes, so they may all share it (reads are synchronous, one at a time).
 */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

async function viewer(port: number): Promise<Viewer> {
  let bytes = 0;
  let target = Number.POSITIVE_INFINITY;
  let onTarget: () => void = () => {};
  let upgraded = false;
  let head = "";
  let opened: () => void = () => {};
  let failed: (e: Error) => void = () => {};
  const sock = connect({
    port,
    host: "127.0.0.1",
    onread: {
      buffer: readBuffer,
      callback: (n: number, buf: Uint8Array) => {
        if (upgraded) {
          bytes += n;
          if (bytes >= target) {
            target = Number.POSITIVE_INFINITY;
            onTarget();
          }
          return true;
        }
        head += Buffer.from(buf.buffer, buf.byteOffset, n).toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end >= 0) {
          if (!head.startsWith("HTTP/1.1 101")) failed(new Error(head.split("\r\n")[0]));
          upgraded = true;
          bytes += head.length - end - 4;
          opened();
        }
        return true;
      },
    },
  });
  await new Promise<void>((resolve, reject) => {
    opened = resolve;
    failed = reject;
    sock.once("error", reject);
    sock.write(
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
  });
  return {
    sock,
    bytes: () => bytes,
    expect: (n, done) => {
      target = bytes + n;
      onTarget = done;
    },
  };
}

/** Connects VIEWERS raw viewers spread over `ports`, 100 at a time. */
async function viewers(ports: number[]): Promise<Viewer[]> {
  const out: Viewer[] = [];
  for (let i = 0; i < VIEWERS; i += 100) {
    const batch = Array.from({ length: Math.min(100, VIEWERS - i) }, (_, k) =>
      viewer(ports[(i + k) % ports.length] as number),
    );
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** A client that asks an instance for its process's CPU time (µs); it receives the broadcasts too, and ignores them. */
async function cpuProbe(port: number): Promise<{ cpu(): Promise<number>; close(): void }> {
  const ws = await wsClient(port);
  let waiting: ((us: number) => void) | undefined;
  ws.on("message", (d) => {
    const s = d.toString();
    if (waiting && s.startsWith('{"cpuUs":')) {
      const w = waiting;
      waiting = undefined;
      w((JSON.parse(s) as { cpuUs: number }).cpuUs);
    }
  });
  return {
    cpu: () =>
      new Promise<number>((resolve) => {
        waiting = resolve;
        ws.send(JSON.stringify({ op: "cpu" }));
      }),
    close: () => ws.close(),
  };
}

/** One burst of BURST broadcasts from a client on the first instance: messages delivered per second. */
async function burst(vs: Viewer[], publisher: WebSocket): Promise<number> {
  const want = BURST * (SIZE + 2);
  let left = vs.length;
  const all = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("fan-out: not every viewer got every message in 120 s")), 120_000);
    for (const v of vs) {
      v.expect(want, () => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  publisher.send(JSON.stringify({ op: "burst", n: BURST, size: SIZE }));
  await all;
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  viewerBusy.push((cpu.user + cpu.system) / 1000 / ms);
  return (VIEWERS * BURST) / (ms / 1000);
}

/** Share of each burst's wall time the viewers' own process (this one) spent on a CPU. */
const viewerBusy: number[] = [];

/**
 * Fan-out to VIEWERS viewers on one instance and spread over two, taking turns round by round (fresh viewers each
 * time: a broadcast reaches every socket of every instance, so only one set may be connected at once). Each
 * round's rate is the median of 3 bursts after a warm-up one; the ratio is the median of the per-round ratios.
 */
async function fanout(a: number, b: number): Promise<Fanout> {
  const publisher = await wsClient(a);
  publisher.on("message", () => {});
  const probes = [await cpuProbe(a), await cpuProbe(b)];
  const instancesCpu = async () => (await Promise.all(probes.map((p) => p.cpu()))).reduce((x, y) => x + y, 0);
  const one: number[] = [];
  const two: number[] = [];
  const cpu = { one: { instances: 0, viewers: 0, deliveries: 0 }, two: { instances: 0, viewers: 0, deliveries: 0 } };
  for (let r = 0; r < ROUNDS; r++) {
    for (const ports of r % 2 === 0 ? [[a], [a, b]] : [[a, b], [a]]) {
      const vs = await viewers(ports);
      await burst(vs, publisher);
      const i0 = await instancesCpu();
      const v0 = process.cpuUsage();
      const rates = [await burst(vs, publisher), await burst(vs, publisher), await burst(vs, publisher)];
      const v = process.cpuUsage(v0);
      const c = ports.length === 1 ? cpu.one : cpu.two;
      c.instances += (await instancesCpu()) - i0;
      c.viewers += v.user + v.system;
      c.deliveries += 3 * BURST * VIEWERS;
      (ports.length === 1 ? one : two).push(pct(rates, 50));
      for (const v of vs) v.sock.destroy();
    }
  }
  publisher.close();
  for (const p of probes) p.close();
  return { one, two, cpu };
}

interface Fanout {
  /** Messages per second, per round. */
  one: number[];
  two: number[];
  /** CPU µs over the timed bursts: the instance processes (summed), this process (the viewers), and deliveries. */
  cpu: Record<"one" | "two", { instances: number; viewers: number; deliveries: number }>;
}

async function main() {
  const redis = await startRedis();
  try {
    const [a, b] = await Promise.all([instance(redis.url), instance(redis.url)]);
    const lat = await latency(a.port, b.port);
    const local = { p50: pct(lat.local, 50), p99: pct(lat.local, 99) };
    const bus = { p50: pct(lat.bus, 50), p99: pct(lat.bus, 99) };
    const add = bus.p50 - local.p50;
    console.log(
      `bench cluster latency within one instance: p50 ${local.p50.toFixed(3)} ms, p99 ${local.p99.toFixed(3)} ms`,
    );
    console.log(
      `bench cluster latency through Redis: p50 ${bus.p50.toFixed(3)} ms (${(bus.p50 / local.p50).toFixed(2)}x one instance), p99 ${bus.p99.toFixed(3)} ms (${(bus.p99 / local.p99).toFixed(2)}x); the bus adds ${add.toFixed(3)} ms p50 (target <= 1 ms: ${add <= 1 ? "met" : "missed"})`,
    );
    const { one, two, cpu } = await fanout(a.port, b.port);
    const ratios = one.map((x, i) => (two[i] as number) / x);
    const ratio = pct(ratios, 50);
    const fmt = (xs: number[]) => `${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))}`;
    console.log(
      `# the ${VIEWERS} viewers are read by this one process: it was on a CPU ${Math.round(100 * pct(viewerBusy, 50))}% of a burst's time (median)`,
    );
    // CPU time per delivery does not wait in run queues: what the machine's load disturbs least.
    const per = (c: Fanout["cpu"]["one"], k: "instances" | "viewers") => (1000 * c[k]) / c.deliveries;
    // What those CPU times allow on an otherwise idle 2-core machine: an instance runs on one core at most, and
    // all processes together on two (Redis's share, a few hundred publishes per 200,000 deliveries, left out).
    const s1 = per(cpu.one, "instances");
    const v1 = per(cpu.one, "viewers");
    const s2 = per(cpu.two, "instances");
    const v2 = per(cpu.two, "viewers");
    const ceiling = Math.min(2 / s2, 2 / (s2 + v2)) / Math.min(1 / s1, 2 / (s1 + v1));
    console.log(
      `bench cluster fan-out CPU per 1000 deliveries: 1 instance ${s1.toFixed(0)} us (viewers ${v1.toFixed(0)} us), 2 instances ${s2.toFixed(0)} us together (viewers ${v2.toFixed(0)} us); on an idle 2-core machine these allow 2 instances ${ceiling.toFixed(2)}x 1 instance`,
    );
    console.log(
      `bench cluster fan-out to ${VIEWERS} viewers, 1 instance: ${Math.round(pct(one, 50))} msgs/s [rounds ${fmt(one)}]`,
    );
    console.log(
      `bench cluster fan-out to ${VIEWERS} viewers over 2 instances: ${Math.round(pct(two, 50))} msgs/s [rounds ${fmt(two)}] (${ratio.toFixed(2)}x 1 instance, median of ${ROUNDS} rounds taking turns, spread ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}; target >= 1.3x: ${ratio >= 1.3 ? "met" : "missed"})`,
    );
    await Promise.all([a.proc.stop(), b.proc.stop()]);
  } finally {
    await disposeLeftovers();
  }
}

await main();
