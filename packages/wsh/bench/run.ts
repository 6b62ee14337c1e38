// wsh bench: real node-pty, server in its own process (the `wsh` CLI, headless), clients here.
// Prints `bench <name>: <value> <unit> (<ratio>x <baseline>)` lines. Binds 127.0.0.1 only.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { spawn as ptySpawn } from "node-pty";
import WebSocket from "ws";
import { ScreenModel } from "../src/client/screen-model.js";
import { descendantsCpu, kernelWorkersCpu, processTreeCpu } from "./flood-cost.js";
import { startWetty, wettyDir } from "./wetty.js";
import type { WshEvent } from "../src/protocol/events.js";

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const THROUGHPUT_BYTES = 64 * 1024 * 1024;
const ROUND_TRIPS = 400;
const SUBSCRIBERS = 50;
const FLOOD_LINES = 1_000_000;
const END = "BENCH_END";
/** Where the server's emulator parses (WSH_EMULATOR=main|worker). */
const EMULATOR = process.env.WSH_EMULATOR === "main" ? "main" : "worker";
/** How the server (and the relay) read the PTY: WSH_PTY_READER=thread|loop, unset: the CLI's default. */
const PTY_READER = process.env.WSH_PTY_READER;

const num = (v: number) =>
  Number.isInteger(v) || v >= 100 ? v.toFixed(0) : v >= 0.01 ? v.toFixed(2) : v.toPrecision(2);
const line = (name: string, value: number, unit: string, ratio: number, baseline: string) =>
  console.log(`bench ${name}: ${num(value)} ${unit} (${num(ratio)}x ${baseline})`);

/** Median with min and max of several runs: `120 [110-130, 5 runs]`. */
interface Spread {
  med: number;
  min: number;
  max: number;
  runs: number;
}
const spread = (xs: number[]): Spread => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    med: s[Math.floor((s.length - 1) / 2)] as number,
    min: s[0] as number,
    max: s.at(-1) as number,
    runs: s.length,
  };
};
const fmt = (x: Spread, unit: string) => `${num(x.med)} ${unit} [${num(x.min)}-${num(x.max)}, ${x.runs} runs]`;
/** `bench name: med unit [min-max, n runs] (ratio x baseline; ratio x baseline)`, ratios of the medians. */
const lineVs = (name: string, x: Spread, unit: string, baselines: Array<[string, Spread]>) =>
  console.log(
    `bench ${name}: ${fmt(x, unit)} (${baselines.map(([label, b]) => `${num(x.med / b.med)}x ${label} ${fmt(b, unit)}`).join("; ")})`,
  );

/** WeTTY's install folder, or why it cannot take part (WETTY=0 leaves it out). */
let wetty: { dir: string } | { skipped: string } | undefined;
function wettyPeer(): { dir: string } | { skipped: string } {
  if (!wetty) {
    try {
      wetty = process.env.WETTY === "0" ? { skipped: "WETTY=0" } : { dir: wettyDir() };
    } catch (err) {
      wetty = { skipped: `cannot install wetty: ${(err as Error).message.split("\n")[0]}` };
    }
  }
  return wetty;
}

const children = new Set<ChildProcess>();
/** Extra node flags for the server process, e.g. WSH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const NODE_ARGS = (process.env.WSH_NODE_ARGS ?? "").split(" ").filter(Boolean);
const only = process.env.BENCH_ONLY; // "throughput" | "echo" | "json": run one part while tuning
/** Throughput runs per side (BENCH_RUNS, default 5); BENCH_VERBOSE=1 prints every run. */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const verbose = process.env.BENCH_VERBOSE === "1";
/** Another wsh package folder (say an earlier checkout's, node_modules linked) run as "B" beside every flood of this one. */
const AB_DIR = process.env.WSH_AB_DIR;

/** This server's flood figures against B's (see AB_DIR): medians of the alternating runs. */
function abLines(a: Flood[], b: Flood[]): void {
  const pick = (xs: Flood[], f: (x: Flood) => number) => spread(xs.map(f));
  lineVs(
    "ab_throughput",
    pick(a, (x) => x.mibs),
    "MiB/s",
    [["B", pick(b, (x) => x.mibs)]],
  );
  lineVs(
    "ab_server_cpu",
    pick(a, (x) => x.cpu),
    "s",
    [["B", pick(b, (x) => x.cpu)]],
  );
  lineVs(
    "ab_server_and_client_cpu",
    pick(a, (x) => x.cpu + x.client),
    "s",
    [["B", pick(b, (x) => x.cpu + x.client)]],
  );
  lineVs(
    "ab_server_page_faults",
    pick(a, (x) => x.faults ?? 0),
    "",
    [["B", pick(b, (x) => x.faults ?? 0)]],
  );
  // Run i of each side are neighbours in time: how many such pairs favour this checkout.
  const pairs = (f: (x: Flood) => number, lower: boolean) => {
    const n = Math.min(a.length, b.length);
    let wins = 0;
    for (let i = 0; i < n; i++)
      if (lower ? f(a[i] as Flood) < f(b[i] as Flood) : f(a[i] as Flood) > f(b[i] as Flood)) wins++;
    return `${wins} of ${n}`;
  };
  console.log(
    `bench ab_pairs_favouring_this: throughput ${pairs((x) => x.mibs, false)}, server cpu ${pairs((x) => x.cpu, true)}, page faults ${pairs((x) => x.faults ?? 0, true)}`,
  );
}

interface Wsh {
  child: ChildProcess;
  url: string;
  ws: string;
  stop(): Promise<void>;
}

async function startWsh(command: string[], cols = 80, rows = 24, flags: string[] = [], dir = pkgDir): Promise<Wsh> {
  const child = spawn(
    process.execPath,
    [
      ...NODE_ARGS,
      "--conditions",
      "@proj/source",
      "--import",
      tsx,
      "src/cli/wsh.ts",
      "--headless",
      "--bind",
      "127.0.0.1:0",
      "--cols",
      String(cols),
      "--rows",
      String(rows),
      "--emulator",
      EMULATOR,
      ...(PTY_READER ? ["--pty-reader", PTY_READER] : []),
      ...flags,
      "--",
      ...command,
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "inherit"] },
  );
  children.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      children.delete(child);
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once("exit", () => reject(new Error(`wsh exited early: ${out}`)));
  });
  return {
    child,
    url,
    ws: url.replace("http", "ws"),
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

/** This process's CPU seconds since `since` (the bench client's own cost). */
const clientCpu = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

/** /proc/<pid>/task: CPU seconds of each thread, by name (node's main thread is the process's name). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const name = `${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))}${tid === String(pid) ? " (main)" : ` ${tid}`}`;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // The thread ended.
    }
  }
  return out;
}

/**
 * A thread's time so far (/proc/<pid>/task/<tid>/schedstat), seconds: on a core, and runnable but
 * waiting for one. Over a flood the rest of the wall time is asleep (for a reader: mostly inside
 * read(), waiting for the kernel's worker to move the writer's next 4 KiB into the PTY).
 */
function schedTimes(pid: number, tid = pid): { onCpu: number; waiting: number } {
  const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ").map(Number);
  return { onCpu: (run ?? 0) / 1e9, waiting: (wait ?? 0) / 1e9 };
}

/** How a reading thread spent a flood of `wall` seconds (from two schedTimes). */
interface ThreadTime {
  onCpu: number;
  waiting: number;
  asleep: number;
}
const threadTime = (a: { onCpu: number; waiting: number }, b: typeof a, wall: number): ThreadTime => ({
  onCpu: b.onCpu - a.onCpu,
  waiting: b.waiting - a.waiting,
  asleep: wall - (b.onCpu - a.onCpu) - (b.waiting - a.waiting),
});

/** /proc/<pid>: CPU seconds (user+system) of the process and of its main thread, and peak RSS in MiB. */
function procStats(pid: number): { cpu: number; mainCpu: number; peakMiB: number; faults: number } {
  const fields = (path: string) => {
    const stat = readFileSync(path, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  };
  const ticks = (path: string) => {
    const f = fields(path);
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return {
    cpu: ticks(`/proc/${pid}/stat`),
    mainCpu: ticks(`/proc/${pid}/task/${pid}/stat`),
    peakMiB: Number(hwm?.[1] ?? 0) / 1024,
    // Minor page faults of the whole process (fresh memory touched for the first time).
    faults: Number(fields(`/proc/${pid}/stat`)[7]),
  };
}

/**
 * The flood program: it waits for a line, writes `bytes` of `a` and an end marker, and waits again,
 * so one PTY (and one server, one connection) serves every flood of a side.
 */
const floodCommand = (bytes: number) => [
  "/bin/sh",
  "-c",
  `while read x; do head -c ${bytes} /dev/zero | tr '\\0' a; printf ${END}; done`,
];

/** What a flood cost besides its reader's and client's CPU: the program writing it and the kernel's workers. */
interface Outside {
  /** CPU seconds of the flood's program (the shell, `head` and `tr`). */
  program: number;
  /** CPU seconds of the kernel's worker threads (machine-wide) during the flood. */
  kernel: number;
}

/** One flood through a server: MiB/s, and the server process's CPU seconds (all its threads) during it. */
interface Flood extends Outside {
  mibs: number;
  cpu: number;
  /** Bytes the client received: short of the flood when the server skipped output to a lagging client. */
  bytes: number;
  /** The client's CPU seconds (this process) during the flood. */
  client: number;
  /** The server's minor page faults during the flood. */
  faults?: number;
  /** How the server's main thread (the PTY's reader) spent the flood. */
  main?: ThreadTime;
}

/** A side of the throughput bench: its PTY, server and connection stay up across its floods. */
interface FloodSide<F> {
  flood(): Promise<F>;
  close(): Promise<void>;
}

/**
 * Counts what a client receives, flood by flood: a flood ends at the end marker. A side's first
 * flood runs on a fresh server, PTY and connection (the JIT still compiling, TCP's windows small):
 * reported apart from the later ones, the figures of a terminal that has been in use.
 */
function floodCounter() {
  let total = 0;
  let tail = "";
  let escapes = false;
  let ended: (() => void) | undefined;
  return {
    /** A received chunk (Buffer, or the string socket.io hands out). */
    add(d: Buffer | string) {
      total += d.length;
      if (typeof d === "string") {
        if (d.includes("\x1b")) escapes = true;
        tail = (tail + d.slice(-32)).slice(-32);
      } else {
        if (d.includes(0x1b)) escapes = true; // the flood has no escapes: a repaint after a skip
        tail = (tail + d.toString("latin1", Math.max(0, d.length - 32))).slice(-32);
      }
      if (ended && tail.includes(END)) {
        tail = "";
        const e = ended;
        ended = undefined;
        e();
      }
    },
    /** Sends the line that starts a flood; resolves with the bytes received and seconds taken once it ended. */
    async run(start: () => void): Promise<{ bytes: number; s: number; escapes: boolean }> {
      total = 0;
      tail = "";
      escapes = false;
      const done = new Promise<void>((resolve) => {
        ended = resolve;
      });
      const t0 = performance.now();
      start();
      await done;
      return { bytes: total, s: (performance.now() - t0) / 1000, escapes };
    },
  };
}

type DirectFlood = { mibs: number; cpu: number; main: ThreadTime } & Outside;

/** (a) baseline: the same program on a node-pty read directly in this process (MiB/s, and the reader's CPU seconds). */
async function directSide(): Promise<FloodSide<DirectFlood>> {
  const [cmd, ...args] = floodCommand(THROUGHPUT_BYTES);
  const pty = ptySpawn(cmd as string, args, { cols: 80, rows: 24, encoding: null as never });
  const counter = floodCounter();
  pty.onData((d) => counter.add(d as unknown as Buffer));
  await new Promise((r) => setTimeout(r, 100));
  return {
    async flood() {
      const program0 = processTreeCpu(pty.pid);
      const kernel0 = kernelWorkersCpu();
      const cpu0 = process.cpuUsage();
      const sched0 = schedTimes(process.pid);
      const { bytes, s } = await counter.run(() => pty.write("\r"));
      const main = threadTime(sched0, schedTimes(process.pid), s);
      const cpu = process.cpuUsage(cpu0);
      const kernel = kernelWorkersCpu() - kernel0;
      const program = processTreeCpu(pty.pid) - program0;
      return { mibs: bytes / s / (1024 * 1024), cpu: (cpu.user + cpu.system) / 1e6, program, kernel, main };
    },
    async close() {
      pty.kill();
    },
  };
}

/** The flood through a `wsh` server and one `/ws/raw` client. */
async function wshSide(dir = pkgDir): Promise<FloodSide<Flood>> {
  // The client must read the whole flood, as WeTTY's does (its flow control pauses the PTY instead):
  // a client buffer past the flood's size, so the server never skips output to a client that lags.
  const wsh = await startWsh(floodCommand(THROUGHPUT_BYTES), 80, 24, ["--client-buffer", "128"], dir);
  const ws = await openWs(`${wsh.ws}/ws/raw`);
  const counter = floodCounter();
  let repainted: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    repainted = resolve;
  });
  let started = false;
  ws.on("message", (d: Buffer) => {
    if (started) counter.add(d);
    else repainted(); // the repaint every client gets first: before the floods
  });
  await connected;
  await new Promise((r) => setTimeout(r, 200));
  started = true;
  const pid = wsh.child.pid as number;
  return {
    async flood() {
      const before = procStats(pid);
      const sched0 = schedTimes(pid);
      const threads0 = verbose ? threadCpu(pid) : undefined;
      const program0 = descendantsCpu(pid);
      const kernel0 = kernelWorkersCpu();
      const client0 = process.cpuUsage();
      const { bytes, s, escapes } = await counter.run(() => ws.send("\r"));
      const client = clientCpu(client0);
      const kernel = kernelWorkersCpu() - kernel0;
      const program = descendantsCpu(pid) - program0;
      const after = procStats(pid);
      const main = threadTime(sched0, schedTimes(pid), s);
      const cpu = after.cpu - before.cpu;
      if (verbose) {
        const main = (after.mainCpu - before.mainCpu).toFixed(2);
        console.log(
          `  wsh run: ${bytes} bytes in ${s.toFixed(2)} s, server cpu ${cpu.toFixed(2)} s (main thread ${main} s)`,
        );
        const per = [...threadCpu(pid)]
          .map(([name, t]) => [name, t - (threads0?.get(name) ?? 0)] as const)
          .filter(([, t]) => t > 0.005)
          .map(([name, t]) => `${name} ${t.toFixed(2)}`);
        console.log(`    threads: ${per.join(", ")}; client cpu ${client.toFixed(2)} s`);
      }
      return {
        mibs: bytes / s / (1024 * 1024),
        cpu,
        bytes: escapes ? Math.min(bytes, THROUGHPUT_BYTES - 1) : bytes,
        client,
        program,
        kernel,
        faults: after.faults - before.faults,
        main,
      };
    },
    async close() {
      ws.close();
      await wsh.stop();
    },
  };
}

/**
 * The ceiling of any server on this machine: wsh's own PTY reading (`PtyProcess`, drains included)
 * in a process that writes each chunk to a plain TCP socket, with no WebSocket, emulator or batching,
 * read here. Whatever a WebSocket server adds can only lower this.
 */
async function relaySide(): Promise<FloodSide<{ mibs: number; cpu: number }>> {
  const child = spawn(
    process.execPath,
    ["--conditions", "@proj/source", "--import", tsx, "bench/relay.ts", ...floodCommand(THROUGHPUT_BYTES)],
    { cwd: pkgDir, stdio: ["ignore", "pipe", "inherit"] },
  );
  children.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      children.delete(child);
      resolve();
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      const m = /relay on (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", () => reject(new Error(`relay exited early: ${out}`)));
  });
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const counter = floodCounter();
  socket.on("data", (d: Buffer) => counter.add(d));
  await new Promise((r) => setTimeout(r, 200));
  const pid = child.pid as number;
  return {
    async flood() {
      const cpu0 = procStats(pid).cpu;
      const { bytes, s } = await counter.run(() => socket.write("\r"));
      return { mibs: bytes / s / (1024 * 1024), cpu: procStats(pid).cpu - cpu0 };
    },
    async close() {
      socket.destroy();
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const echoCommand = ["/bin/sh", "-c", "stty raw -echo; exec cat"];
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] as number;

async function roundTrips(send: (b: string) => void, onData: (cb: (d: Buffer) => void) => void): Promise<number[]> {
  let waiting: (() => void) | undefined;
  let expect = "";
  let got = "";
  onData((d) => {
    got += d.toString("latin1");
    if (waiting && got.includes(expect)) {
      const w = waiting;
      waiting = undefined;
      w();
    }
  });
  const times: number[] = [];
  for (let i = 0; i < ROUND_TRIPS + 20; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    got = "";
    expect = ch;
    const echoed = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const t0 = performance.now();
    send(ch);
    await echoed;
    if (i >= 20) times.push((performance.now() - t0) * 1000); // first 20 warm up
  }
  return times;
}

async function directEcho(): Promise<number[]> {
  const [cmd, ...args] = echoCommand;
  const pty = ptySpawn(cmd as string, args, { cols: 80, rows: 24, encoding: null as never });
  await new Promise((r) => setTimeout(r, 200));
  const times = await roundTrips(
    (b) => pty.write(b),
    (cb) => pty.onData((d) => cb(d as unknown as Buffer)),
  );
  pty.kill();
  return times;
}

async function wsEcho(): Promise<number[]> {
  const wsh = await startWsh(echoCommand);
  const ws = await openWs(`${wsh.ws}/ws/raw`);
  await new Promise((r) => setTimeout(r, 200));
  const times = await roundTrips(
    (b) => ws.send(b),
    (cb) => ws.on("message", (d: Buffer) => cb(d)),
  );
  ws.close();
  await wsh.stop();
  return times;
}

/** The flood through WeTTY (socket.io, one PTY per connection), its page's flow control acknowledged at once. */
async function wettySide(dir: string): Promise<FloodSide<Flood>> {
  const shell = (cmd: string[]) => `${cmd[0]} ${cmd[1]} "${(cmd[2] as string).replaceAll("\\", "\\\\")}"`;
  const w = await startWetty(dir, shell(floodCommand(THROUGHPUT_BYTES)), children);
  const c = await w.connect();
  const counter = floodCounter();
  let started = false;
  c.onData((d) => {
    if (started) counter.add(d);
  });
  await new Promise((r) => setTimeout(r, 200));
  started = true;
  const pid = w.child.pid as number;
  return {
    async flood() {
      const cpu0 = procStats(pid).cpu;
      const program0 = descendantsCpu(pid);
      const kernel0 = kernelWorkersCpu();
      const client0 = process.cpuUsage();
      const { bytes, s } = await counter.run(() => c.send("\r"));
      const client = clientCpu(client0);
      const kernel = kernelWorkersCpu() - kernel0;
      const program = descendantsCpu(pid) - program0;
      const cpu = procStats(pid).cpu - cpu0;
      if (verbose)
        console.log(
          `  wetty run: ${bytes} bytes in ${s.toFixed(2)} s, server cpu ${cpu.toFixed(2)} s, client cpu ${client.toFixed(2)} s`,
        );
      return { mibs: bytes / s / (1024 * 1024), cpu, bytes, client, program, kernel };
    },
    async close() {
      c.close();
      await w.stop();
    },
  };
}

async function wettyEcho(dir: string): Promise<number[]> {
  const w = await startWetty(dir, `${echoCommand[0]} ${echoCommand[1]} "${echoCommand[2]}"`, children);
  const c = await w.connect();
  await new Promise((r) => setTimeout(r, 200));
  const times = await roundTrips(
    (b) => c.send(b),
    (cb) => c.onData((d) => cb(Buffer.from(d, "latin1"))),
  );
  c.close();
  await w.stop();
  return times;
}

/** (c) a flood watched by N /ws/json subscribers with diffs; every subscriber must end on the true screen. */
async function jsonFanout(
  n: number,
): Promise<{ cpu: number; mainCpu: number; peakMiB: number; consistent: number; diffs: number }> {
  const wsh = await startWsh(["/bin/sh", "-c", `read x; seq 1 ${FLOOD_LINES}; echo ${END}; read y`]);
  const models: ScreenModel[] = [];
  const sockets: WebSocket[] = [];
  let diffs = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      // Listen before "open": the server's {"connected":true} can arrive in the same packet as the handshake.
      const ws = new WebSocket(`${wsh.ws}/ws/json`);
      const model = new ScreenModel();
      await new Promise<void>((resolve, reject) => {
        ws.once("error", reject);
        ws.on("message", (d: Buffer) => {
          const m = JSON.parse(d.toString());
          if (m.connected) ws.send(JSON.stringify({ events: ["diffs"], interval_ms: 100, format: "styled" }));
          if ("event" in m) {
            if (m.event === "diff") diffs++;
            model.apply(m as WshEvent);
            if (m.event === "sync") resolve();
          }
        });
      });
      models.push(model);
      sockets.push(ws);
    }),
  );
  const before = procStats(wsh.child.pid as number);
  await fetch(`${wsh.url}/input`, { method: "POST", body: "\r" });
  const endShown = () => {
    // Wait until the server shows the end, then until every subscriber's model matches it (or time out).
    return fetch(`${wsh.url}/screen`).then((r) => r.json() as Promise<{ lines: unknown[] }>);
  };
  let truth: { lines: unknown[] } = { lines: [] };
  const deadline = Date.now() + 60_000;
  for (;;) {
    truth = await endShown();
    if (JSON.stringify(truth.lines).includes(END)) break;
    if (Date.now() > deadline) throw new Error("flood did not finish");
    await new Promise((r) => setTimeout(r, 50));
  }
  const same = () => models.filter((m) => JSON.stringify(m.lines) === JSON.stringify(truth.lines)).length;
  const settle = Date.now() + 5000;
  while (same() < n && Date.now() < settle) await new Promise((r) => setTimeout(r, 20));
  const after = procStats(wsh.child.pid as number);
  const consistent = same();
  for (const ws of sockets) ws.close();
  await wsh.stop();
  return {
    // Clock ticks are 10 ms: round away float noise.
    cpu: Math.round((after.cpu - before.cpu) * 100) / 100,
    mainCpu: Math.round((after.mainCpu - before.mainCpu) * 100) / 100,
    peakMiB: after.peakMiB,
    consistent,
    diffs,
  };
}

/** The machine's load average (1 min), printed at the start and the end: the figures depend on it. */
const load = (when: string) =>
  console.log(`bench load_average_${when}: ${loadavg()[0]?.toFixed(2)} (${cpus().length} cores)`);

async function main(): Promise<void> {
  load("start");
  const peer = wettyPeer();
  if ("skipped" in peer) console.log(`bench wetty: skipped (${peer.skipped})`);
  const wettyDir = "dir" in peer ? peer.dir : undefined;
  if (!only || only === "throughput") {
    // Each side keeps one PTY, server and connection for all its floods (a terminal in use). Its first
    // flood (fresh process, JIT still compiling, fresh TCP connection) is reported apart; then five
    // runs each, alternating, so a busy shared machine disturbs every side alike; medians compared.
    const sides = {
      direct: await directSide(),
      wsh: await wshSide(),
      b: AB_DIR ? await wshSide(AB_DIR) : undefined,
      wetty: wettyDir ? await wettySide(wettyDir) : undefined,
      relay: await relaySide(),
    };
    const direct: DirectFlood[] = [];
    const viaWs: Flood[] = [];
    const viaWetty: Flood[] = [];
    const viaRelay: number[] = [];
    // A run counts only if the client got every byte (checked: were the client buffer too small,
    // the server would skip output to a lagging client and repaint, which would flatter us); such
    // a run is done again (up to 3 times).
    let lagged = 0;
    const whole = async (side: FloodSide<Flood>): Promise<Flood> => {
      for (let attempt = 1; ; attempt++) {
        const r = await side.flood();
        if (r.bytes >= THROUGHPUT_BYTES || attempt === 3) return r;
        lagged++;
        if (verbose) console.log(`  (client lagged: ${r.bytes} of ${THROUGHPUT_BYTES} bytes; run again)`);
      }
    };
    const first = {
      direct: await sides.direct.flood(),
      wsh: await whole(sides.wsh),
      b: sides.b ? await whole(sides.b) : undefined,
      wetty: sides.wetty ? await whole(sides.wetty) : undefined,
      relay: await sides.relay.flood(),
    };
    if (verbose) console.log("  (first floods above; the runs follow)");
    const viaB: Flood[] = [];
    for (let i = 0; i < RUNS; i++) {
      direct.push(await sides.direct.flood());
      // A/B: the other server's run alternately before and after this one's.
      if (sides.b && i % 2 === 1) viaB.push(await whole(sides.b));
      viaWs.push(await whole(sides.wsh));
      if (sides.b && i % 2 === 0) viaB.push(await whole(sides.b));
      if (sides.wetty) viaWetty.push(await whole(sides.wetty));
      viaRelay.push((await sides.relay.flood()).mibs);
    }
    for (const side of Object.values(sides)) await side?.close();
    if (AB_DIR) abLines(viaWs, viaB);
    // Where the reading thread's wall time went: on a core, waiting for one (other jobs), asleep (in read()).
    const medOf = (xs: number[]) => num(spread(xs).med);
    const parts = (xs: ThreadTime[]) =>
      `on a core ${medOf(xs.map((x) => x.onCpu))} + waiting for one ${medOf(xs.map((x) => x.waiting))} + asleep ${medOf(xs.map((x) => x.asleep))} s`;
    console.log(
      `bench raw_flood_reader_thread_time: wsh main thread ${parts(viaWs.flatMap((x) => (x.main ? [x.main] : [])))}; direct reader ${parts(direct.map((x) => x.main))} (medians)`,
    );
    const short = [...viaWs, ...viaWetty].filter((r) => r.bytes < THROUGHPUT_BYTES).length;
    console.log(`bench throughput_runs_redone_for_lag: ${lagged} (${short} counted short of the flood)`);
    const d = spread(direct.map((x) => x.mibs));
    const mibs = (xs: Flood[]) => spread(xs.map((x) => x.mibs));
    const cpu = (xs: Flood[]) => spread(xs.map((x) => x.cpu));
    lineVs("raw_throughput_64mib", mibs(viaWs), "MiB/s", [
      ["direct node-pty", d],
      ...(wettyDir ? ([["wetty", mibs(viaWetty)]] as Array<[string, Spread]>) : []),
    ]);
    if (wettyDir) lineVs("wetty_throughput_64mib", mibs(viaWetty), "MiB/s", [["direct node-pty", d]]);
    // The ceiling: wsh's PTY reading written to a plain TCP socket (no WebSocket, no emulator).
    lineVs("relay_ceiling_throughput_64mib", spread(viaRelay), "MiB/s", [["direct node-pty", d]]);
    console.log(`bench raw_throughput_against_relay_ceiling: ${num(mibs(viaWs).med / spread(viaRelay).med)}x`);
    // Each side's first flood, one run each: a fresh server, PTY and connection.
    const once = (x: { mibs: number }) => spread([x.mibs]);
    lineVs("raw_throughput_64mib_first_flood", once(first.wsh), "MiB/s", [
      ["direct node-pty", once(first.direct)],
      ...(first.wetty ? ([["wetty", once(first.wetty)]] as Array<[string, Spread]>) : []),
    ]);
    // CPU seconds the server process (every thread) spent during the flood: steadier than MiB/s on a busy machine.
    // Beside the CPU seconds of the direct reader (this process reading node-pty, the floor for any server).
    const directCpu = spread(direct.map((x) => x.cpu));
    lineVs("raw_flood_server_cpu", cpu(viaWs), "s", [
      ...(wettyDir ? ([["wetty", cpu(viaWetty)]] as Array<[string, Spread]>) : []),
      ["direct node-pty reader", directCpu],
    ]);
    // Server and client together: everything the flood costs besides the program writing it.
    const total = (xs: Flood[]) => spread(xs.map((x) => x.cpu + x.client));
    lineVs("raw_flood_server_and_client_cpu", total(viaWs), "s", [
      ...(wettyDir ? ([["wetty", total(viaWetty)]] as Array<[string, Spread]>) : []),
      ["direct node-pty reader", directCpu],
    ]);
    // Everything the flood asks of the machine: its readers (server and client, or the direct
    // reader), the program writing it and the kernel's workers moving it across the PTY.
    const machine = (xs: Flood[]) => spread(xs.map((x) => x.cpu + x.client + x.program + x.kernel));
    const directMachine = spread(direct.map((x) => x.cpu + x.program + x.kernel));
    lineVs("raw_flood_machine_cpu", machine(viaWs), "s", [
      ...(wettyDir ? ([["wetty", machine(viaWetty)]] as Array<[string, Spread]>) : []),
      ["direct node-pty", directMachine],
    ]);
    const med = (xs: number[]) => num(spread(xs).med);
    console.log(
      `bench raw_flood_cpu_parts: wsh server ${med(viaWs.map((x) => x.cpu))} + client ${med(viaWs.map((x) => x.client))} + program ${med(viaWs.map((x) => x.program))} + kernel workers ${med(viaWs.map((x) => x.kernel))} s; direct reader ${med(direct.map((x) => x.cpu))} + program ${med(direct.map((x) => x.program))} + kernel workers ${med(direct.map((x) => x.kernel))} s (medians)`,
    );
  }
  if (!only || only === "echo") await echo(wettyDir);
  if (!only || only === "json") await json();
  load("end");
}

async function echo(wettyDir: string | undefined): Promise<void> {
  // Three runs each (400 round trips per run), alternating; each run's percentile, then median/min/max.
  const runs: Array<{ d: number[]; w: number[]; t: number[] }> = [];
  for (let i = 0; i < 3; i++) {
    runs.push({ d: await directEcho(), w: await wsEcho(), t: wettyDir ? await wettyEcho(wettyDir) : [] });
  }
  for (const p of [50, 99]) {
    const d = spread(runs.map((r) => pct(r.d, p)));
    const w = spread(runs.map((r) => pct(r.w, p)));
    const t = wettyDir ? spread(runs.map((r) => pct(r.t, p))) : undefined;
    lineVs(`raw_echo_rtt_p${p}`, w, "us", [
      ["direct node-pty", d],
      ...(t ? ([["wetty", t]] as Array<[string, Spread]>) : []),
    ]);
    if (t) lineVs(`wetty_echo_rtt_p${p}`, t, "us", [["direct node-pty", d]]);
  }
}

async function json(): Promise<void> {
  // Twice each, alternating, keeping each side's cheaper run: the flood's own CPU (the emulator
  // parsing it) varies more on a shared machine than the fan-out costs.
  const pick = (a: Awaited<ReturnType<typeof jsonFanout>>, b: Awaited<ReturnType<typeof jsonFanout>>) =>
    a.mainCpu <= b.mainCpu ? a : b;
  const base1 = await jsonFanout(0);
  const fan1 = await jsonFanout(SUBSCRIBERS);
  const base = pick(base1, await jsonFanout(0));
  const fan2 = await jsonFanout(SUBSCRIBERS);
  // Every run must end with every subscriber on the true screen: report the worse run.
  const fan = { ...pick(fan1, fan2), consistent: Math.min(fan1.consistent, fan2.consistent) };
  // Fan-out runs on the main thread; the flood's parsing (the bulk, and the noisy part) on the worker.
  const perSub = ((fan.mainCpu - base.mainCpu) / SUBSCRIBERS) * 1000;
  line(
    `json_${SUBSCRIBERS}_subscribers_server_cpu`,
    fan.cpu,
    "s",
    fan.cpu / base.cpu,
    `0 subscribers ${base.cpu.toFixed(2)} s`,
  );
  line(
    "json_cpu_per_subscriber",
    perSub,
    "ms",
    perSub / 1000 / base.cpu,
    "flood cpu without subscribers (server main thread)",
  );
  line(
    `json_${SUBSCRIBERS}_subscribers_peak_rss`,
    fan.peakMiB,
    "MiB",
    fan.peakMiB / base.peakMiB,
    `0 subscribers ${base.peakMiB.toFixed(0)} MiB`,
  );
  line(
    "json_subscribers_consistent",
    fan.consistent,
    "subscribers",
    fan.consistent / SUBSCRIBERS,
    `${SUBSCRIBERS} subscribed`,
  );
  line("json_diffs_received", fan.diffs, "diffs", fan.diffs / SUBSCRIBERS, "per subscriber");
}

function exit(code: number): never {
  for (const c of children) c.kill("SIGKILL");
  process.exit(code);
}
const timer = setTimeout(() => {
  console.error("bench: time limit reached");
  exit(1);
}, 600_000);
timer.unref();
main().then(
  () => exit(0),
  (err) => {
    console.error(err);
    exit(1);
  },
);
