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

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measureRtt(c: BenchClient): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 500; i++) await c.roundTrip(i); // warm-up
  const lat: number[] = [];
  for (let i = 0; i < RTT_N; i++) {
    const t = performance.now();
    await c.roundTrip(i);
    lat.push((performance.now() - t) * 1000);
  }
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function measurePipeline(c: BenchClient): Promise<number> {
  await c.pipeline(2000); // warm-up
  const t = performance.now();
  await c.pipeline(PIPE_N);
  return PIPE_N / ((performance.now() - t) / 1000);
}

/** 100 listeners; one trigger; time until every listener has every message. */
async function measureFanout(contender: Contender, server: Server): Promise<{ rate: number; loopMs: number }> {
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
  const burst = (count: number) =>
    new Promise<number>((resolve) => {
      got = 0;
      target = FAN_CLIENTS * count;
      const t = performance.now();
      done = () => resolve((performance.now() - t) / 1000);
      trigger(count);
    });
  const nextLoop = () =>
    new Promise<number>((r) => server.child.once("message", (m) => r((m as { loopMs: number }).loopMs)));
  let loop = nextLoop();
  await burst(20); // warm-up
  await loop;
  loop = nextLoop();
  const secs = await burst(FAN_N);
  const loopMs = await loop;
  for (const c of closers) c();
  return { rate: (FAN_CLIENTS * FAN_N) / secs, loopMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const names: Record<Contender, string> = { raw: "raw ws", wscore: "ws-core", socketio: "socket.io" };

function report(figure: string, unit: string, values: Record<Contender, number>, lowerIsBetter: boolean) {
  const fmt = (v: number) => (v >= 1000 ? Math.round(v).toString() : v.toFixed(1));
  for (const c of ["raw", "wscore", "socketio"] as const) {
    console.log(
      `bench ${figure} ${names[c]}: ${fmt(values[c])} ${unit} (${(values[c] / values.raw).toFixed(2)}x raw ws)`,
    );
  }
  const vsIo = values.wscore / values.socketio;
  const better = lowerIsBetter ? vsIo < 1 : vsIo > 1;
  console.log(
    `bench ${figure} ws-core vs socket.io: ${fmt(values.wscore)} ${unit} (${vsIo.toFixed(2)}x socket.io, ${better ? "ahead" : "behind"})`,
  );
}

async function main() {
  const contenders: Contender[] = ["raw", "wscore", "socketio"];
  const rtt50: Record<Contender, number[]> = { raw: [], wscore: [], socketio: [] };
  const rtt99: Record<Contender, number[]> = { raw: [], wscore: [], socketio: [] };
  const pipe: Record<Contender, number[]> = { raw: [], wscore: [], socketio: [] };
  const fan: Record<Contender, number[]> = { raw: [], wscore: [], socketio: [] };
  const fanLoop: Record<Contender, number[]> = { raw: [], wscore: [], socketio: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of contenders) {
      const server = await startServer(c);
      try {
        const client = await clients[c](server.port);
        const r = await measureRtt(client);
        rtt50[c].push(r.p50);
        rtt99[c].push(r.p99);
        pipe[c].push(await measurePipeline(client));
        client.close();
        const f = await measureFanout(c, server);
        fan[c].push(f.rate);
        fanLoop[c].push(f.loopMs);
      } finally {
        await stop(server);
      }
    }
  }
  const med = (m: Record<Contender, number[]>) =>
    ({ raw: median(m.raw), wscore: median(m.wscore), socketio: median(m.socketio) }) as Record<Contender, number>;
  console.log(
    `# ${ROUNDS} rounds, medians; node ${process.version}; server in a child process${PIN ? " pinned to CPU 1, client to CPU 0" : ""}; 127.0.0.1`,
  );
  report("roundtrip-p50", "us", med(rtt50), true);
  report("roundtrip-p99", "us", med(rtt99), true);
  report("pipelined-validated", "msg/s", med(pipe), false);
  report(`broadcast-${FAN_CLIENTS}-clients`, "deliveries/s", med(fan), false);
  // The delivery rate is bound by the 100 clients sharing this process; the send loop is the server's own cost.
  report(`broadcast-${FAN_CLIENTS}-clients-server-send-loop`, "ms", med(fanLoop), true);
  process.exit(0);
}

await main();
