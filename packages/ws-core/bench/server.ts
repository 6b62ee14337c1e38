// Bench server process: all three contenders' servers in this one process (one port each), so the scheduler's
// placement of a process (which CPU, next to what) weighs on all of them alike; the client measures from outside.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as SocketIOServer } from "socket.io";
import { WebSocketServer } from "ws";
import { parseMessage } from "../src/index.js";
import { startWsServer, WsEndpoint } from "../src/server/index.js";
import { benchProtocol, type Contender } from "./shapes.js";

const ports: Partial<Record<Contender, number>> = {};
const ready = (c: Contender, port: number) => {
  ports[c] = port;
  if (Object.keys(ports).length === 3) process.send?.({ ports });
};
// CPU time this process has used (user + system, µs), asked for between measurements.
process.on("message", (m) => {
  if (m === "cpu") {
    const u = process.cpuUsage();
    process.send?.({ cpuUs: u.user + u.system });
  }
});

/** Reports how long the synchronous broadcast loop took (the server's own cost, not the clients'). */
function timed(c: Contender, loop: () => void): void {
  const t = performance.now();
  loop();
  process.send?.({ loopMs: performance.now() - t, c });
}

function fanoutFrames(count: number, body: string): string[] {
  return Array.from({ length: count }, (_, seq) => JSON.stringify({ type: "fan", seq, body }));
}

{
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on("connection", (ws) => {
    ws.on("message", (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === "echo") ws.send(JSON.stringify(m));
      else {
        const frames = fanoutFrames(m.count, m.body);
        timed("raw", () => {
          for (const f of frames) for (const c of wss.clients) c.send(f);
        });
      }
    });
  });
  server.listen(0, "127.0.0.1", () => ready("raw", (server.address() as AddressInfo).port));
}
{
  const endpoint = new WsEndpoint({ heartbeat: false, slowConsumer: { highWaterMark: 64 * 1024 * 1024 } });
  endpoint.on("connection", (conn) => {
    conn.ws.on("message", (data) => {
      const m = parseMessage(benchProtocol.clientMessages, benchProtocol.codec, data.toString());
      if (m.type === "echo") conn.send(JSON.stringify(m));
      else {
        const frames = fanoutFrames(m.count, m.body);
        timed("wscore", () => {
          for (const f of frames) endpoint.broadcast(f);
        });
      }
    });
  });
  const s = await startWsServer({ routes: { "/": endpoint } });
  ready("wscore", s.port);
}
{
  const server = createServer();
  const io = new SocketIOServer(server, { transports: ["websocket"], perMessageDeflate: false });
  io.on("connection", (socket) => {
    socket.on("echo", (m, ack) => (typeof ack === "function" ? ack(m) : socket.emit("echo", m)));
    socket.on("fanout", (m) => {
      timed("socketio", () => {
        for (let seq = 0; seq < m.count; seq++) io.emit("fan", { seq, body: m.body });
      });
    });
  });
  server.listen(0, "127.0.0.1", () => ready("socketio", (server.address() as AddressInfo).port));
}
