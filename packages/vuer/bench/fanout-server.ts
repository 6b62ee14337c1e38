// Child process for the fan-out bench: a Vuer server with a shared scene ("vuer"), or a raw `ws` server
// broadcasting the same bytes ("raw"). Driven over IPC so its CPU time is measured on its own.
import { createServer } from "node:http";
import { listen } from "@proj/ws-core/server";
import { WebSocketServer, type WebSocket } from "ws";
import { encodeFrame, upsertEvent } from "../src/index.js";
import { Box } from "../src/schemas/index.js";
import { Vuer } from "../src/server/index.js";

const mode = process.argv[2] === "raw" ? "raw" : "vuer";
const send = (m: unknown) => process.send?.(m);

const frameFor = (i: number) =>
  upsertEvent(Box({ args: [0.3, 0.3, 0.3], key: "box", position: [Math.sin(i * 0.05) * 2, 0.5, 0] }));

let tick: (i: number) => void;
let subscribers: () => number;
let close: () => Promise<void>;

if (mode === "vuer") {
  const app = new Vuer({ port: 0, heartbeatMs: false, env: {} });
  app.spawn(async (s) => {
    app.scene.subscribe(s, { replay: false });
    await s.forever();
  });
  const { url } = await app.start();
  tick = (i) => void app.scene.send(frameFor(i));
  subscribers = () => app.scene.subscribers.size;
  close = () => app.close({ graceMs: 200 });
  send({ url });
} else {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const clients = new Set<WebSocket>();
  wss.on("connection", (ws) => {
    ws.once("message", () => clients.add(ws)); // counts once the client's INIT arrived, like the Vuer side
    ws.on("close", () => clients.delete(ws));
  });
  const l = await listen(server, { port: 0 });
  tick = (i) => {
    const frame = encodeFrame(frameFor(i));
    for (const ws of clients) ws.send(frame);
  };
  subscribers = () => clients.size;
  close = async () => {
    for (const ws of clients) ws.terminate();
    await new Promise<void>((r) => wss.close(() => server.close(() => r())));
  };
  send({ url: l.wsUrl });
}

process.on("message", async (m: { cmd: string; rate?: number; seconds?: number }) => {
  if (m.cmd === "subscribers") send({ subscribers: subscribers() });
  if (m.cmd === "run") {
    const rate = m.rate ?? 60;
    const total = Math.round(rate * (m.seconds ?? 3));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      tick(i);
    }
    const cpu = process.cpuUsage(cpu0);
    send({ done: true, ops: total, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
  }
  if (m.cmd === "close") {
    await close();
    process.exit(0);
  }
});
