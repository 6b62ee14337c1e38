// ws-core bench: raw `ws` vs ws-core vs socket.io, same message shapes, server in its own process,
// everything on 127.0.0.1. Prints `bench <name>: <value> <unit> (<ratio>x <baseline>)` lines.
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { io as ioClient, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { ProtocolClient } from "../src/index.js";
import { NodeWebSocket } from "../src/node/index.js";
import { BODY, benchProtocol, type Contender } from "./shapes.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RTT_N = Number(process.env.BENCH_RTT ?? 4000);
const PIPE_N = Number(process.env.BENCH_PIPE ?? 40_000);
const PIPE_WINDOW = 1000;
const FAN_CLIENTS = 100;
const FAN_N = Number(process.env.BENCH_FAN ?? 300);

interface Server {
  port: number;
  child: ChildProcess;
}

// Round trips are bimodal on 2 cores (client and server sharing a core or not): pin the server to one CPU
// and this process to the other, when taskset exists, so every contender runs under the same placement.
const PIN = existsSync("/usr/bin/taskset") && process.env.BENCH_PIN !== "0";
if (PIN) execFileSync("taskset", ["-p", "-c", "0", String(process.pid)], { stdio: "ignore" });

async function startServer(c: Contender): Promise<Server> {
  const script = fileURLToPath(new URL("./server.ts", import.meta.url));
  const nodeArgs = ["--conditions", "@proj/source", "--import", "tsx", script, c];
  const stdio: Array<"ignore" | "inherit" | "ipc"> = ["ignore", "inherit", "inherit", "ipc"];
  const child = PIN
    ? spawn("taskset", ["-c", "1", process.execPath, ...nodeArgs], { stdio })
    : fork(script, [c], { execArgv: nodeArgs.slice(0, 4), stdio });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`bench server ${c} exited with ${code}`)));
  });
  return { port, child };
}

/** The next IPC message from the bench server carrying `key`. */
function fromServer(s: Server, key: "loopMs" | "cpuUs"): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const v = (m as Record<string, unknown>)[key];
      if (typeof v !== "number") return;
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
  roundTrip(seq: number): Promise<void>;
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
      new Promise((resolve) => {
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
    roundTrip: async (seq) => {
      await client.request({ type: "echo", id: String(seq), seq, body: BODY });
    },
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
    roundTrip: async (seq) => {
      await socket.emitWithAck("echo", { type: "echo", id: String(seq), seq, body: BODY });
    },
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
const BLOCKS = 20;

/**
 * Sequential round trips, interleaved: BLOCKS blocks per contender, taking turns, so all three see the same
 * machine (the load of other processes changes over seconds; measured one after the other, it decides the ratio).
 */
async function measureRtt(
  cs: Record<Contender, BenchClient>,
  servers: Record<Contender, Server>,
): Promise<Record<Contender, Rtt>> {
  const per = Math.ceil(RTT_N / BLOCKS);
  const lat = {} as Record<Contender, Float64Array>;
  const cpu: Record<Contender, number> = { raw: 0, wscore: 0, socketio: 0 };
  const serverCpuBefore = {} as Record<Contender, number>;
  for (const c of contenders) {
    lat[c] = new Float64Array(per * BLOCKS);
    serverCpuBefore[c] = await serverCpu(servers[c]);
  }
  for (let b = 0; b < BLOCKS; b++) {
    for (const c of rotated(b)) {
      const client = cs[c];
      const out = lat[c];
      const cpu0 = clientCpu();
      for (let i = 0; i < per; i++) {
        const t = performance.now();
        await client.roundTrip(i);
        out[b * per + i] = (performance.now() - t) * 1000;
      }
      cpu[c] += clientCpu() - cpu0;
    }
  }
  const r = {} as Record<Contender, Rtt>;
  for (const c of contenders) {
    const sorted = lat[c].sort();
    const serverUs = (await serverCpu(servers[c])) - serverCpuBefore[c];
    r[c] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuUs: (cpu[c] + serverUs) / (per * BLOCKS) };
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
  const port = server.port;
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
    const loop = fromServer(server, "loopMs");
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

/**
 * Values are medians over rounds with their min-max; ratios are medians of the per-round ratios (each round
 * measures all three contenders interleaved, so a round's ratio compares like with like).
 */
function report(figure: string, unit: string, v: Series, lowerIsBetter: boolean) {
  const fmt = (x: number) => (x >= 1000 ? Math.round(x).toString() : x.toFixed(1));
  const ratio = (a: Contender, b: Contender) => median(v[a].map((x, i) => x / (v[b][i] as number)));
  for (const c of contenders) {
    const spread = `${fmt(Math.min(...v[c]))}-${fmt(Math.max(...v[c]))}`;
    console.log(
      `bench ${figure} ${names[c]}: ${fmt(median(v[c]))} ${unit} (${ratio(c, "raw").toFixed(2)}x raw ws) [rounds ${spread}]`,
    );
  }
  const vsIo = ratio("wscore", "socketio");
  const better = lowerIsBetter ? vsIo < 1 : vsIo > 1;
  console.log(
    `bench ${figure} ws-core vs socket.io: ${fmt(median(v.wscore))} ${unit} (${vsIo.toFixed(2)}x socket.io, ${better ? "ahead" : "behind"})`,
  );
}

async function main() {
  const rtt50 = series();
  const rtt99 = series();
  const rttCpu = series();
  const pipe = series();
  const fan = series();
  const fanLoop = series();
  const servers = {} as Record<Contender, Server>;
  const cs = {} as Record<Contender, BenchClient>;
  const fans = {} as Record<Contender, Fanout>;
  try {
    for (const c of contenders) servers[c] = await startServer(c);
    for (const c of contenders) cs[c] = await clients[c](servers[c].port);
    for (const c of contenders) fans[c] = await fanoutClients(c, servers[c]);
    // Warm-up: every path JIT-compiled on both sides before anything is timed.
    for (const c of contenders) {
      for (let i = 0; i < 2000; i++) await cs[c].roundTrip(i);
      await cs[c].pipeline(4000);
      await fans[c].burst(20);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const r = await measureRtt(cs, servers);
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
    await Promise.all(contenders.filter((c) => servers[c]).map((c) => stop(servers[c])));
  }
  console.log(
    `# ${ROUNDS} rounds, contenders interleaved within each round; node ${process.version}; servers in child processes${PIN ? " pinned to CPU 1, client to CPU 0" : ""}; 127.0.0.1`,
  );
  report("roundtrip-p50", "us", rtt50, true);
  report("roundtrip-p99", "us", rtt99, true);
  // CPU time does not wait in run queues: the figure the machine's load disturbs least.
  report("roundtrip-cpu", "us", rttCpu, true);
  report("pipelined-validated", "msg/s", pipe, false);
  report(`broadcast-${FAN_CLIENTS}-clients`, "deliveries/s", fan, false);
  // The delivery rate is bound by the 100 clients sharing this process; the send loop is the server's own cost.
  report(`broadcast-${FAN_CLIENTS}-clients-server-send-loop`, "ms", fanLoop, true);
  process.exit(0);
}

await main();
