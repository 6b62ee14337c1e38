// The seed document's "Example WebSocket Server", in TypeScript: a `ws` server bridged to the
// WebSocketEventHandler, with a WebAdapter driving a real table (upstream's example ran no game).
//   pnpm --filter @proj/cardsharp example:server -- --port 8765 --bots 2
import { parseArgs } from "node:util";
import { AccessGuard } from "@proj/ws-core/server";
import { WebSocketServer } from "ws";
import { BlackjackTable, EventBus, WebAdapter, WebSocketEventHandler } from "../src/server/index.js";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8765" },
    bots: { type: "string", default: "2" },
  },
});

const bus = new EventBus();
const handler = new WebSocketEventHandler({ bus });
const adapter = new WebAdapter({ useWebsockets: true, handler, autoSeat: true });
const table = new BlackjackTable({ bus, bots: Number(values.bots) });
adapter.attach(table);

// What CardsharpServer does before every upgrade: other sites' pages and foreign Host names get 403.
const guard = new AccessGuard({ bindHost: values.host });
const wss = new WebSocketServer({
  host: values.host,
  port: Number(values.port),
  maxPayload: 64 * 1024,
  verifyClient: ({ req }, done) => {
    const refusal = guard.check(req);
    if (refusal) done(false, refusal.status, JSON.stringify(refusal.body));
    else done(true);
  },
});
wss.on("connection", (ws) => {
  // CardsharpServer refuses these before the upgrade (503); a bare `ws` server can only close them.
  if (handler.sessions.size >= 1000) return ws.close(1013, "too many clients");
  const session = handler.open({ send: (text) => ws.send(text), close: (code, reason) => ws.close(code, reason) });
  ws.on("message", (data, isBinary) => handler.receive(session, isBinary ? { binary: true } : data.toString()));
  ws.on("close", () => handler.transportClosed(session));
});
wss.on("listening", () => {
  handler.start();
  table.start();
  console.log(`listening on ws://${values.host}:${values.port}`);
});

const shutdown = async () => {
  await table.stop();
  handler.close();
  wss.close(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
