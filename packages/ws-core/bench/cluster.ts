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
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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

async function latency(senderPort: number, receiverPort: number): Promise<{ p50: number; p99: number }> {
  const tx = await wsClient(senderPort);
  const rx = await wsClient(receiverPort);
  let resolveNext: (s: string) => void = () => {};
  rx.on("message", (d) => resolveNext(d.toString()));
  const times: number[] = [];
  for (let i = 0; i < LAT_N + 100; i++) {
    const want = `l${i}`;
    const got = new Promise<void>((r) => {
      resolveNext = (s) => {
        if (s === want) r();
      };
    });
    const t = performance.now();
    tx.send(JSON.stringify({ op: "broadcast", text: want }));
    await got;
    if (i >= 100) times.push(performance.now() - t);
  }
  tx.close();
  rx.close();
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

/** A WebSocket viewer that only counts bytes (no frame parsing), so the servers, not the bench, are measured. */
interface Viewer {
  sock: Socket;
  bytes: () => number;
  /** Calls `done` once `n` more bytes have arrived. */
  expect(n: number, done: () => void): void;
}

async function viewer(port: number): Promise<Viewer> {
  const sock = connect(port, "127.0.0.1");
  let bytes = 0;
  let target = Number.POSITIVE_INFINITY;
  let onTarget: () => void = () => {};
  let upgraded = false;
  let head = "";
  await new Promise<void>((resolve, reject) => {
    sock.once("error", reject);
    sock.on("data", (d: Buffer) => {
      if (upgraded) {
        bytes += d.length;
        if (bytes >= target) {
          target = Number.POSITIVE_INFINITY;
          onTarget();
        }
        return;
      }
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end >= 0) {
        if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(head.split("\r\n")[0]));
        upgraded = true;
        bytes += head.length - end - 4;
        resolve();
      }
    });
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

async function fanout(ports: number[]): Promise<number> {
  const viewers: Viewer[] = [];
  for (let i = 0; i < VIEWERS; i += 100) {
    const batch = Array.from({ length: Math.min(100, VIEWERS - i) }, (_, k) =>
      viewer(ports[(i + k) % ports.length] as number),
    );
    viewers.push(...(await Promise.all(batch)));
  }
  const publisher = await wsClient(ports[0] as number);
  publisher.on("message", () => {});
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    const want = BURST * (SIZE + 2);
    let left = viewers.length;
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("fan-out: not every viewer got every message in 120 s")),
        120_000,
      );
      for (const v of viewers) {
        v.expect(want, () => {
          if (--left === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
    const t = performance.now();
    publisher.send(JSON.stringify({ op: "burst", n: BURST, size: SIZE }));
    await all;
    const ms = performance.now() - t;
    if (r > 0) rates.push((VIEWERS * BURST) / (ms / 1000)); // the first round warms up
  }
  publisher.close();
  for (const v of viewers) v.sock.destroy();
  return pct(rates, 50);
}

async function main() {
  const redis = await startRedis();
  try {
    const [a, b] = await Promise.all([instance(redis.url), instance(redis.url)]);
    const local = await latency(a.port, a.port);
    const bus = await latency(a.port, b.port);
    const add = bus.p50 - local.p50;
    console.log(
      `bench cluster latency within one instance: p50 ${local.p50.toFixed(3)} ms, p99 ${local.p99.toFixed(3)} ms`,
    );
    console.log(
      `bench cluster latency through Redis: p50 ${bus.p50.toFixed(3)} ms (${(bus.p50 / local.p50).toFixed(2)}x one instance), p99 ${bus.p99.toFixed(3)} ms (${(bus.p99 / local.p99).toFixed(2)}x); the bus adds ${add.toFixed(3)} ms p50 (target <= 1 ms)`,
    );
    const one = await fanout([a.port]);
    const two = await fanout([a.port, b.port]);
    console.log(`bench cluster fan-out to ${VIEWERS} viewers, 1 instance: ${Math.round(one)} msgs/s`);
    console.log(
      `bench cluster fan-out to ${VIEWERS} viewers over 2 instances: ${Math.round(two)} msgs/s (${(two / one).toFixed(2)}x 1 instance; target >= 1.3x)`,
    );
    await Promise.all([a.proc.stop(), b.proc.stop()]);
  } finally {
    await disposeLeftovers();
  }
}

await main();
