// Cluster bench: ClusterHub over a real redis-server, server instances in their own processes on 127.0.0.1.
// - op-to-delivery latency: a broadcast sent by a client on instance A, received by a client on A (within
//   one instance) vs on B (through Redis); p50/p99 and the difference.
// - fan-out: delivered messages per second to 1,000 viewers on 1 instance vs spread over 2 instances, the two
//   configurations taking turns burst by burst (both sets of viewers stay connected, on endpoints of their own).
// Prints `bench <name>: <value> <unit> (<ratio>x <baseline>)` lines.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import WebSocket from "ws";
import { disposeLeftovers, startRedis } from "../src/testing/index.js";

const LAT_N = Number(process.env.BENCH_CLUSTER_LAT ?? 1500);
const VIEWERS = Number(process.env.BENCH_CLUSTER_VIEWERS ?? 1000);
const BURST = Number(process.env.BENCH_CLUSTER_BURST ?? 400);
/** Timed rounds: a burst to each configuration, in alternating order (after WARMUP untimed rounds). */
const ROUNDS = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 30);
const WARMUP = Number(process.env.BENCH_CLUSTER_WARMUP ?? 3);
/**
 * When the viewers read: "during" (default) as the bytes arrive; "after" only once every instance has written the
 * whole burst (its sentinel viewer, connected last, has it all), so they take no CPU from the instances while
 * they write: the servers' own scaling, which a quiet machine shows best (see `burst`).
 */
const READ = process.env.BENCH_CLUSTER_READ === "after" ? "after" : "during";
const VERBOSE = process.env.BENCH_CLUSTER_VERBOSE === "1";
const SIZE = 100; // payload bytes: a 2-byte header frame, 102 bytes on the wire
const cwd = fileURLToPath(new URL("..", import.meta.url));

/**
 * Where each instance is scheduled: "own" (default) makes it lead a session of its own (`detached`: setsid), as
 * separate services would be; "shared" leaves it in this bench's session. Linux's autogroup scheduling
 * (/proc/sys/kernel/sched_autogroup_enabled, on here) shares the CPU fairly between sessions, not processes: in
 * one session, two instances and the viewers together got one session's slice of a machine other jobs load.
 */
const SESSIONS = process.env.BENCH_CLUSTER_SESSIONS === "shared" ? "shared" : "own";

interface Instance {
  port: number;
  stop(): Promise<void>;
}

/** A cluster-server.ts process, as `spawnScript` runs scripts (but possibly detached: see SESSIONS). */
async function instance(url: string): Promise<Instance> {
  const tsx = pathToFileURL(createRequire(join(cwd, "package.json")).resolve("tsx")).href;
  // BENCH_CLUSTER_NODE_FLAGS: more flags for the instances' node (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const flags = (process.env.BENCH_CLUSTER_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const script = ["test/fixtures/cluster-server.ts", url, "10000", "bench"];
  const args = [...flags, "--conditions", "@proj/source", "--import", tsx, ...script];
  const child = spawn(process.execPath, args, {
    cwd,
    detached: SESSIONS === "own",
    stdio: ["ignore", "pipe", "inherit"],
  });
  // A detached child outlives this process unless killed: never leave one behind.
  const kill = () => child.kill("SIGKILL");
  process.on("exit", kill);
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  void closed.then(() => process.off("exit", kill));
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cluster-server: not listening within 60 s:\n${out}`)), 60_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^listening (\d+) /m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void closed.then(() => reject(new Error(`cluster-server exited (${child.exitCode}):\n${out}`)));
  }).catch((e: Error) => {
    kill();
    throw e;
  });
  return {
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(kill, 5000);
      await closed;
      clearTimeout(timer);
    },
  };
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
/** Reads by every viewer so far: how many pieces the servers' bytes reached them in. */
let reads = 0;

async function viewer(port: number, path: string): Promise<Viewer> {
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
          reads++;
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
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
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

/**
 * One configuration's viewers: VIEWERS on the endpoint `/<name>` spread over `ports` (100 connecting at a time),
 * then one sentinel per instance. An endpoint writes a broadcast to its sockets in the order they connected,
 * each socket's writes of a tick leaving in that order when the tick ends, so once its sentinel has the whole
 * burst, the instance has written the burst to every viewer's socket.
 */
interface ViewerSet {
  name: "one" | "two";
  viewers: Viewer[];
  sentinels: Viewer[];
}

async function viewerSet(name: ViewerSet["name"], ports: number[]): Promise<ViewerSet> {
  const viewers: Viewer[] = [];
  for (let i = 0; i < VIEWERS; i += 100) {
    const batch = Array.from({ length: Math.min(100, VIEWERS - i) }, (_, k) =>
      viewer(ports[(i + k) % ports.length] as number, `/${name}`),
    );
    viewers.push(...(await Promise.all(batch)));
  }
  const sentinels = await Promise.all(ports.map((p) => viewer(p, `/${name}`)));
  return { name, viewers, sentinels };
}

/** A client that asks an instance for its process's CPU time (µs). */
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

/** Resolves once every one of `vs` has `n` more bytes (rejects after 120 s). */
function arrival(vs: Viewer[], n: number): Promise<void> {
  let left = vs.length;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("fan-out: not every viewer got every message in 120 s")), 120_000);
    for (const v of vs) {
      v.expect(n, () => {
        if (--left === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}

interface Burst {
  /** From the publisher's request to the last viewer's last byte. */
  ms: number;
  /** From the request until every instance had written the burst to every socket (its sentinel had it all). */
  serversMs: number;
  /** This process's CPU time over the burst, µs. */
  viewersCpu: number;
  /** Viewer reads over the burst. */
  reads: number;
}

/**
 * One burst of BURST broadcasts to one set, asked of the first instance. With READ "after", the viewers do not
 * read while the servers write: on loopback a written byte is already in the viewer's socket (a burst, 41 KB per
 * viewer, fits its receive window), and reading it is the viewers' work, which on a real network is done on
 * other machines, not on the two cores the instances share. They read once the servers are done, and the time
 * runs until they have.
 */
async function burst(set: ViewerSet, publisher: WebSocket): Promise<Burst> {
  const want = BURST * (SIZE + 2);
  if (READ === "after") for (const v of set.viewers) v.sock.pause();
  const servers = arrival(set.sentinels, want);
  const viewers = arrival(set.viewers, want);
  const cpu0 = process.cpuUsage();
  const reads0 = reads;
  const t = performance.now();
  publisher.send(JSON.stringify({ op: "burst", n: BURST, size: SIZE, set: set.name }));
  await servers;
  const serversMs = performance.now() - t;
  if (READ === "after") for (const v of set.viewers) v.sock.resume();
  await viewers;
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  return { ms, serversMs, viewersCpu: cpu.user + cpu.system, reads: reads - reads0 };
}

/** Per configuration: each timed burst's rate, and CPU µs summed over them. */
interface Side {
  rates: number[];
  serverRates: number[];
  /** Each instance's process (first instance first). */
  instances: number[];
  viewers: number;
  reads: number;
  deliveries: number;
  /** Share of a burst's wall time this process (the viewers) spent on a CPU. */
  busy: number[];
}

/**
 * Fan-out to VIEWERS viewers on one instance and spread over two. Both sets stay connected (each on an endpoint
 * with a hub of its own, so a burst reaches one set), and they take turns burst by burst, in alternating order
 * (one-two, two-one, ...): on a shared machine the load of other jobs changes from second to second, and two
 * bursts a few hundred milliseconds apart see nearly the same machine. A round's ratio is its two bursts' rates.
 */
async function fanout(a: number, b: number): Promise<{ one: Side; two: Side; ratios: number[] }> {
  const publisher = await wsClient(a);
  publisher.on("message", () => {});
  const probes = [await cpuProbe(a), await cpuProbe(b)];
  const sets = [await viewerSet("one", [a]), await viewerSet("two", [a, b])] as const;
  const side = (): Side => ({
    rates: [],
    serverRates: [],
    instances: [0, 0],
    viewers: 0,
    reads: 0,
    deliveries: 0,
    busy: [],
  });
  const sides = { one: side(), two: side() };
  const ratios: number[] = [];
  for (let r = -WARMUP; r < ROUNDS; r++) {
    const rate: Record<string, number> = {};
    for (const set of r % 2 === 0 ? sets : [sets[1], sets[0]]) {
      const i0 = await Promise.all(probes.map((p) => p.cpu()));
      const got = await burst(set, publisher);
      const i1 = await Promise.all(probes.map((p) => p.cpu()));
      if (r < 0) continue;
      const s = sides[set.name];
      rate[set.name] = (VIEWERS * BURST) / (got.ms / 1000);
      s.rates.push(rate[set.name] as number);
      s.serverRates.push((VIEWERS * BURST) / (got.serversMs / 1000));
      for (const k of [0, 1]) s.instances[k] = (s.instances[k] as number) + (i1[k] as number) - (i0[k] as number);
      s.viewers += got.viewersCpu;
      s.deliveries += VIEWERS * BURST;
      s.busy.push(got.viewersCpu / 1000 / got.ms);
      s.reads += got.reads;
    }
    if (r < 0) continue;
    ratios.push((rate.two as number) / (rate.one as number));
    if (VERBOSE) {
      const ms = (set: "one" | "two") =>
        `${(sides[set].rates.at(-1) as number).toFixed(0)} msgs/s (servers ${(sides[set].serverRates.at(-1) as number).toFixed(0)})`;
      console.log(
        `# round ${r}: 1 instance ${ms("one")}, 2 instances ${ms("two")}: ${(ratios.at(-1) as number).toFixed(2)}x`,
      );
    }
  }
  for (const set of sets) for (const v of [...set.viewers, ...set.sentinels]) v.sock.destroy();
  publisher.close();
  for (const p of probes) p.close();
  return { ...sides, ratios };
}

async function main() {
  const redis = await startRedis();
  const instances: Instance[] = [];
  try {
    const [a, b] = await Promise.all([instance(redis.url), instance(redis.url)]);
    instances.push(a, b);
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
    const { one, two, ratios } = await fanout(a.port, b.port);
    const ratio = pct(ratios, 50);
    const fmt = (xs: number[]) => `${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))}`;
    const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
    const quartiles = (xs: number[]) => `${pct(xs, 25).toFixed(2)}-${pct(xs, 75).toFixed(2)}`;
    console.log(
      `# instances each in ${SESSIONS === "own" ? "a session of its own" : "this bench's session"}; the ${VIEWERS} viewers are read by this one process (${READ === "after" ? "once the servers have written a burst" : "as bytes arrive"}): it was on a CPU ${Math.round(100 * pct(one.busy, 50))}% (1 instance) and ${Math.round(100 * pct(two.busy, 50))}% (2 instances) of a burst's time (median)`,
    );
    // CPU time per delivery does not wait in run queues: what the machine's load disturbs least.
    const per = (us: number, s: Side) => (1000 * us) / s.deliveries;
    const [s1, idle] = one.instances.map((us) => per(us, one)) as [number, number];
    const [sA, sB] = two.instances.map((us) => per(us, two)) as [number, number];
    const v1 = per(one.viewers, one);
    const v2 = per(two.viewers, two);
    // What those CPU times allow on an otherwise idle 2-core machine (Redis's share, a few hundred publishes per
    // 200,000 deliveries, left out): an instance runs on one core at most. Reading after the servers, a burst takes
    // the busiest instance's time and then the viewers'; reading during, everything shares the two cores.
    const ceiling =
      READ === "after"
        ? (s1 + v1) / (Math.max(sA, sB) + v2)
        : Math.min(1 / Math.max(sA, sB), 2 / (sA + sB + v2)) / Math.min(1 / s1, 2 / (s1 + v1));
    console.log(
      `bench cluster fan-out CPU per 1000 deliveries: 1 instance ${s1.toFixed(0)} us (the idle second ${idle.toFixed(0)} us, viewers ${v1.toFixed(0)} us), 2 instances ${sA.toFixed(0)} + ${sB.toFixed(0)} us (viewers ${v2.toFixed(0)} us); viewer reads per 1000 deliveries ${((1000 * one.reads) / one.deliveries).toFixed(0)} and ${((1000 * two.reads) / two.deliveries).toFixed(0)}; on an idle 2-core machine these allow 2 instances ${ceiling.toFixed(2)}x 1 instance`,
    );
    const serverRatios = one.serverRates.map((x, i) => (two.serverRates[i] as number) / x);
    console.log(
      `bench cluster fan-out servers' part (until every instance had written the burst): 1 instance ${Math.round(pct(one.serverRates, 50))} msgs/s, 2 instances ${Math.round(pct(two.serverRates, 50))} msgs/s (${pct(serverRatios, 50).toFixed(2)}x, spread ${spread(serverRatios)})`,
    );
    console.log(
      `bench cluster fan-out to ${VIEWERS} viewers, 1 instance: ${Math.round(pct(one.rates, 50))} msgs/s [bursts ${fmt(one.rates)}]`,
    );
    console.log(
      `bench cluster fan-out to ${VIEWERS} viewers over 2 instances: ${Math.round(pct(two.rates, 50))} msgs/s [bursts ${fmt(two.rates)}] (${ratio.toFixed(2)}x 1 instance, median of ${ROUNDS} rounds of a burst each taking turns, quartiles ${quartiles(ratios)}, spread ${spread(ratios)}; target >= 1.3x: ${ratio >= 1.3 ? "met" : "missed"})`,
    );
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
    await disposeLeftovers();
  }
}

await main();
