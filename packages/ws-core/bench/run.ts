// ws-core bench: raw `ws` vs ws-core vs socket.io, same message shapes, the three servers together in one
// process of their own, the three clients together in this one, everything on 127.0.0.1. Prints `bench <name>: <value> <unit> (<ratio>x <baseline>)` lines.
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { io as ioClient, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { ProtocolClient } from "../src/index.js";
import { NodeWebSocket } from "../src/node/index.js";
import { BODY, benchProtocol, type Contender } from "./shapes.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RTT_N = Number(process.env.BENCH_RTT ?? 4000);
const PIPE_N = Number(process.env.BENCH_PIPE ?? 40_000);
const PIPE_WINDOW = 1000;
const FAN_CLIENTS = 100;
const FAN_N = Number(process.env.BENCH_FAN ?? 300);

/** The server process, hosting every contender's server on a port of its own. */
interface Server {
  ports: Record<Contender, number>;
  child: ChildProcess;
}

// Pinning (BENCH_PIN=1: the server process on CPU 1, this process on CPU 0) keeps clients and servers apart.
// It is off by default: on a shared machine a pinned process waits for its one CPU while the other is free,
// which multiplied every round trip (and its spread) several times over; the strict alternation of the
// contenders, not the placement, is what keeps their ratio fair.
const PIN = existsSync("/usr/bin/taskset") && process.env.BENCH_PIN === "1";
if (PIN) execFileSync("taskset", ["-p", "-c", "0", String(process.pid)], { stdio: "ignore" });

/**
 * One server process for all three contenders: separate processes were placed by the scheduler each on its own
 * (which CPU, next to which other process), and on a shared machine two identical ws-core servers in two
 * processes differed by up to 10% in p50 within one run; in one process that weighs on every contender alike.
 */
async function startServer(): Promise<Server> {
  const script = fileURLToPath(new URL("./server.ts", import.meta.url));
  const nodeArgs = ["--conditions", "@proj/source", "--import", "tsx", script];
  const stdio: Array<"ignore" | "inherit" | "ipc"> = ["ignore", "inherit", "inherit", "ipc"];
  const child = PIN
    ? spawn("taskset", ["-c", "1", process.execPath, ...nodeArgs], { stdio })
    : fork(script, [], { execArgv: nodeArgs.slice(0, 4), stdio });
  const ports = await new Promise<Record<Contender, number>>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { ports: Record<Contender, number> }).ports));
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { ports, child };
}

/** The next IPC message from the bench server carrying `key` (and naming contender `c`, when given). */
function fromServer(s: Server, key: "loopMs" | "cpuUs", c?: Contender): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const v = (m as Record<string, unknown>)[key];
      if (typeof v !== "number" || (c !== undefined && (m as { c?: string }).c !== c)) return;
      s.child.off("message", on);
      resolve(v);
    };
    s.child.on("message", on);
  });
}

/** CPU µs the server process has used so far. */
function serverCpu(s: Server): Promise<number> {
  const r = fromServer(s, "cpuUs");
  s.child.send("cpu");
  return r;
}

const clientCpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function stop(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.child.once("exit", () => resolve());
    s.child.kill();
  });
}

/** One connected client per contender, exposing the three operations the bench needs. */
interface BenchClient {
  /** The reply's promise itself, with no async wrapper: every contender pays the same hops in the harness. */
  roundTrip(seq: number): Promise<unknown>;
  pipeline(n: number): Promise<void>;
  close(): void;
}

async function rawClient(port: number): Promise<BenchClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise((r) => ws.once("open", r));
  let onMessage: (m: { seq: number }) => void = () => {};
  ws.on("message", (d) => onMessage(JSON.parse(d.toString())));
  return {
    roundTrip: (seq) =>
      new Promise<void>((resolve) => {
        onMessage = () => resolve();
        ws.send(JSON.stringify({ type: "echo", id: String(seq), seq, body: BODY }));
      }),
    pipeline: (n) =>
      pipelineWith(
        (seq) => ws.send(JSON.stringify({ type: "echo", id: String(seq), seq, body: BODY })),
        (f) => {
          onMessage = f;
        },
        n,
      ),
    close: () => ws.close(),
  };
}

async function wsCoreClient(port: number): Promise<BenchClient> {
  const client = new ProtocolClient(benchProtocol, {
    url: `ws://127.0.0.1:${port}/`,
    WebSocket: NodeWebSocket,
    correlation: {
      requestId: (m) => ("id" in m ? m.id : undefined),
      responseId: (m) => ("id" in m ? m.id : undefined),
    },
  });
  await client.opened();
  let onMessage: (m: { seq: number }) => void = () => {};
  return {
    roundTrip: (seq) => client.request({ type: "echo", id: String(seq), seq, body: BODY }),
    pipeline: (n) => {
      const off = client.on("message", (m) => onMessage(m as { seq: number }));
      return pipelineWith(
        (seq) => client.send({ type: "echo", id: `p${seq}`, seq, body: BODY }),
        (f) => {
          onMessage = f;
        },
        n,
      ).finally(off);
    },
    close: () => void client.close(),
  };
}

async function socketIoClient(port: number): Promise<BenchClient> {
  const socket = ioClient(`http://127.0.0.1:${port}`, { transports: ["websocket"], reconnection: false });
  await new Promise<void>((r) => socket.once("connect", () => r()));
  let onMessage: (m: { seq: number }) => void = () => {};
  socket.on("echo", (m) => onMessage(m));
  return {
    roundTrip: (seq) => socket.emitWithAck("echo", { type: "echo", id: String(seq), seq, body: BODY }),
    pipeline: (n) =>
      pipelineWith(
        (seq) => socket.emit("echo", { type: "echo", id: String(seq), seq, body: BODY }),
        (f) => {
          onMessage = f;
        },
        n,
      ),
    close: () => socket.close(),
  };
}

/** Keeps PIPE_WINDOW messages in flight until n have come back. */
function pipelineWith(send: (seq: number) => void, listen: (f: (m: { seq: number }) => void) => void, n: number) {
  return new Promise<void>((resolve) => {
    let sent = 0;
    let got = 0;
    listen(() => {
      got++;
      if (got === n) resolve();
      else if (sent < n) send(sent++);
    });
    while (sent < Math.min(PIPE_WINDOW, n)) send(sent++);
  });
}

const clients: Record<Contender, (port: number) => Promise<BenchClient>> = {
  raw: rawClient,
  wscore: wsCoreClient,
  socketio: socketIoClient,
};

function percentile(sorted: Float64Array | number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const contenders: Contender[] = ["raw", "wscore", "socketio"];
/** Contenders in a rotated order, so none always goes first (right after a GC, a scheduler hiccup...). */
const rotated = (k: number) => contenders.map((_, i) => contenders[(i + k) % contenders.length] as Contender);
/** Round trips each contender makes before the next one takes its turn (1: strict alternation). */
const RTT_BLOCK = Math.max(1, Number(process.env.BENCH_RTT_BLOCK ?? 1));

/** Round trips per contender and round for the CPU figure, in blocks (CPU time does not wait in run queues). */
const CPU_N = Number(process.env.BENCH_CPU_RTT ?? 1000);
const CPU_BLOCK = 250;

/**
 * Sequential round trips, interleaved: the contenders take turns every RTT_BLOCK round trips (in rotating
 * order), so all three see the same machine. The load of other processes changes within milliseconds on a
 * shared machine; measured one after the other, or in blocks of hundreds, it decides the ratio.
 * CPU time per round trip (client and server process) is measured afterwards in blocks of CPU_BLOCK round
 * trips per contender, rotating: the server process is shared, so its CPU is read around each block.
 */
async function measureRtt(cs: Record<Contender, BenchClient>, server: Server): Promise<Record<Contender, Rtt>> {
  const turns = Math.ceil(RTT_N / RTT_BLOCK);
  const n = turns * RTT_BLOCK;
  const lat = {} as Record<Contender, Float64Array>;
  for (const c of contenders) lat[c] = new Float64Array(n);
  let seq = 0;
  for (let k = 0; k < turns; k++) {
    for (const c of rotated(k)) {
      const client = cs[c];
      const out = lat[c];
      for (let i = k * RTT_BLOCK; i < (k + 1) * RTT_BLOCK; i++) {
        const t = performance.now();
        await client.roundTrip(seq++);
        out[i] = (performance.now() - t) * 1000;
      }
    }
  }
  const cpu: Record<Contender, number> = { raw: 0, wscore: 0, socketio: 0 };
  const blocks = Math.max(1, Math.ceil(CPU_N / CPU_BLOCK));
  for (let k = 0; k < blocks; k++) {
    for (const c of rotated(k)) {
      const s0 = await serverCpu(server);
      const c0 = clientCpu();
      for (let i = 0; i < CPU_BLOCK; i++) await cs[c].roundTrip(seq++);
      const c1 = clientCpu();
      cpu[c] += c1 - c0 + ((await serverCpu(server)) - s0);
    }
  }
  const r = {} as Record<Contender, Rtt>;
  for (const c of contenders) {
    const sorted = lat[c].sort();
    r[c] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuUs: cpu[c] / (blocks * CPU_BLOCK) };
  }
  return r;
}

/** Latency percentiles (µs) and CPU µs per round trip, client and server processes together. */
interface Rtt {
  p50: number;
  p99: number;
  cpuUs: number;
}

/** Pipelined throughput, in 4 turns per contender (interleaved like the round trips). */
async function measurePipeline(cs: Record<Contender, BenchClient>): Promise<Record<Contender, number>> {
  const turns = 4;
  const per = Math.ceil(PIPE_N / turns);
  const secs: Record<Contender, number> = { raw: 0, wscore: 0, socketio: 0 };
  for (let k = 0; k < turns; k++) {
    for (const c of rotated(k)) {
      const t = performance.now();
      await cs[c].pipeline(per);
      secs[c] += (performance.now() - t) / 1000;
    }
  }
  return {
    raw: (per * turns) / secs.raw,
    wscore: (per * turns) / secs.wscore,
    socketio: (per * turns) / secs.socketio,
  };
}

interface Fanout {
  burst(count: number): Promise<{ secs: number; loopMs: number }>;
  close(): void;
}

/** 100 listeners; one trigger; time until every listener has every message. */
async function fanoutClients(contender: Contender, server: Server): Promise<Fanout> {
  const port = server.ports[contender];
  let got = 0;
  let target = 0;
  let done: () => void = () => {};
  const onFan = () => {
    if (++got === target) done();
  };
  const closers: Array<() => void> = [];
  let trigger: (count: number) => void;
  if (contender === "socketio") {
    const sockets: Socket[] = [];
    for (let i = 0; i < FAN_CLIENTS; i++) {
      const s = ioClient(`http://127.0.0.1:${port}`, {
        transports: ["websocket"],
        reconnection: false,
        forceNew: true,
      });
      await new Promise<void>((r) => s.once("connect", () => r()));
      s.on("fan", onFan);
      sockets.push(s);
      closers.push(() => s.close());
    }
    trigger = (count) => sockets[0]?.emit("fanout", { type: "fanout", count, body: BODY });
  } else {
    const sockets: WebSocket[] = [];
    for (let i = 0; i < FAN_CLIENTS; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
      await new Promise((r) => ws.once("open", r));
      ws.on("message", onFan);
      sockets.push(ws);
      closers.push(() => ws.close());
    }
    trigger = (count) => sockets[0]?.send(JSON.stringify({ type: "fanout", count, body: BODY }));
  }
  const burst = (count: number) => {
    const loop = fromServer(server, "loopMs", contender);
    const secs = new Promise<number>((resolve) => {
      got = 0;
      target = FAN_CLIENTS * count;
      const t = performance.now();
      done = () => resolve((performance.now() - t) / 1000);
      trigger(count);
    });
    return Promise.all([secs, loop]).then(([s, loopMs]) => ({ secs: s, loopMs }));
  };
  return {
    burst,
    close: () => {
      for (const c of closers) c();
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const names: Record<Contender, string> = { raw: "raw ws", wscore: "ws-core", socketio: "socket.io" };
type Series = Record<Contender, number[]>;
const series = (): Series => ({ raw: [], wscore: [], socketio: [] });
const fmt = (x: number) => (x >= 1000 ? Math.round(x).toString() : x.toFixed(1));

/** One figure of one run: the three contenders' per-round values. */
interface Figure {
  name: string;
  unit: string;
  lowerIsBetter: boolean;
  v: Series;
}

/** A ratio of one run: the median of the per-round ratios (each round measures all three interleaved). */
const runRatio = (f: Figure, a: Contender, b: Contender) => median(f.v[a].map((x, i) => x / (f.v[b][i] as number)));

/** Values are medians over rounds with their min-max; ratios are medians of the per-round ratios. */
function report(f: Figure) {
  for (const c of contenders) {
    const spread = `${fmt(Math.min(...f.v[c]))}-${fmt(Math.max(...f.v[c]))}`;
    console.log(
      `bench ${f.name} ${names[c]}: ${fmt(median(f.v[c]))} ${f.unit} (${runRatio(f, c, "raw").toFixed(2)}x raw ws) [rounds ${spread}]`,
    );
  }
  const vsIo = runRatio(f, "wscore", "socketio");
  const better = f.lowerIsBetter ? vsIo < 1 : vsIo > 1;
  console.log(
    `bench ${f.name} ws-core vs socket.io: ${fmt(median(f.v.wscore))} ${f.unit} (${vsIo.toFixed(2)}x socket.io, ${better ? "ahead" : "behind"})`,
  );
}

/** One run: fresh servers and clients, a warm-up, then ROUNDS interleaved rounds. */
async function run(): Promise<Figure[]> {
  const rtt50 = series();
  const rtt99 = series();
  const rttCpu = series();
  const pipe = series();
  const fan = series();
  const fanLoop = series();
  let server: Server | undefined;
  const cs = {} as Record<Contender, BenchClient>;
  const fans = {} as Record<Contender, Fanout>;
  try {
    const s = await startServer();
    server = s;
    for (const c of contenders) cs[c] = await clients[c](s.ports[c]);
    for (const c of contenders) fans[c] = await fanoutClients(c, s);
    // Warm-up: every path JIT-compiled on both sides before anything is timed.
    for (const c of contenders) {
      for (let i = 0; i < 2000; i++) await cs[c].roundTrip(i);
      await cs[c].pipeline(4000);
      await fans[c].burst(20);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const r = await measureRtt(cs, s);
      const p = await measurePipeline(cs);
      for (const c of contenders) {
        rtt50[c].push(r[c].p50);
        rtt99[c].push(r[c].p99);
        rttCpu[c].push(r[c].cpuUs);
        pipe[c].push(p[c]);
      }
      for (const c of rotated(round)) {
        const f = await fans[c].burst(FAN_N);
        fan[c].push((FAN_CLIENTS * FAN_N) / f.secs);
        fanLoop[c].push(f.loopMs);
      }
    }
  } finally {
    for (const c of contenders) {
      cs[c]?.close();
      fans[c]?.close();
    }
    if (server) await stop(server);
  }
  return [
    { name: "roundtrip-p50", unit: "us", lowerIsBetter: true, v: rtt50 },
    { name: "roundtrip-p99", unit: "us", lowerIsBetter: true, v: rtt99 },
    // CPU time does not wait in run queues: the figure the machine's load disturbs least.
    { name: "roundtrip-cpu", unit: "us", lowerIsBetter: true, v: rttCpu },
    { name: "pipelined-validated", unit: "msg/s", lowerIsBetter: false, v: pipe },
    { name: `broadcast-${FAN_CLIENTS}-clients`, unit: "deliveries/s", lowerIsBetter: false, v: fan },
    // The delivery rate is bound by the 100 clients sharing this process; the send loop is the server's own cost.
    { name: `broadcast-${FAN_CLIENTS}-clients-server-send-loop`, unit: "ms", lowerIsBetter: true, v: fanLoop },
  ];
}

/** Issue #20's targets, each a ratio measured within one run. */
const targets: Array<{ figure: string; vs: Contender; op: "<=" | ">="; limit: number }> = [
  { figure: "roundtrip-p50", vs: "raw", op: "<=", limit: 1.05 },
  { figure: "roundtrip-p50", vs: "socketio", op: "<=", limit: 0.9 },
  { figure: "roundtrip-p99", vs: "raw", op: "<=", limit: 1.2 },
  { figure: "pipelined-validated", vs: "socketio", op: ">=", limit: 1.2 },
  { figure: `broadcast-${FAN_CLIENTS}-clients`, vs: "socketio", op: ">=", limit: 1.2 },
];

async function main() {
  const runs: Figure[][] = [];
  for (let k = 0; k < RUNS; k++) {
    const figures = await run();
    runs.push(figures);
    console.log(`# run ${k + 1}/${RUNS}: ${uptimeLoad()}`);
    for (const f of figures) report(f);
  }
  console.log(
    `# ${RUNS} runs of ${ROUNDS} rounds, contenders alternating every ${RTT_BLOCK} round trip(s); node ${process.version}; the three servers in one child process, the three clients in this one${PIN ? " (pinned to CPU 1 and CPU 0)" : ""}; 127.0.0.1`,
  );
  // Across runs: each run's ratio (the median of its per-round ratios), then their median and min-max.
  for (const t of targets) {
    const ratios = runs.map((figs) => runRatio(figs.find((f) => f.name === t.figure) as Figure, "wscore", t.vs));
    const m = median(ratios);
    const met = t.op === "<=" ? m <= t.limit : m >= t.limit;
    const metRuns = ratios.filter((r) => (t.op === "<=" ? r <= t.limit : r >= t.limit)).length;
    console.log(
      `bench ${t.figure} ws-core: ${m.toFixed(2)}x ${names[t.vs]} (median of ${RUNS} runs, spread ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}; target ${t.op} ${t.limit}x: ${met ? "met" : "missed"}, in ${metRuns}/${RUNS} runs)`,
    );
  }
  process.exit(0);
}

/** The machine's load while the run went on (the bench shares the machine; ratios are what to read). */
function uptimeLoad(): string {
  return `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`;
}

await main();
