// Upstream's "Example WebSocket Server", in TypeScript: a bare `ws` server bridged to the
// WebSocketEventHandler, with a WebAdapter driving a real table (upstream's example ran no game).
// CardsharpServer (and the cardsharp-server command) does all of this for you.
//   pnpm --filter @proj/cardsharp example:server -- --port 8765 --bots 2
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { intFlag, parseCli, runCli } from "@proj/ws-core/cli";
import { AccessGuard } from "@proj/ws-core/server";
import { WebSocketServer } from "ws";
import { VERSION } from "../src/cli/common.js";
import { BlackjackTable, EventBus, WebAdapter, WebSocketEventHandler } from "../src/server/index.js";

const spec = {
  name: "example:server",
  version: VERSION,
  summary: "upstream's example WebSocket server: a bare ws server, the event handler, a web adapter and a table",
  usage: ["[--host 127.0.0.1] [--port 8765] [--bots 2]"],
  options: {
    host: { type: "string", valueName: "HOST", default: "127.0.0.1", description: "address to listen on" },
    port: { type: "string", short: "p", valueName: "N", default: "8765", description: "port (0 picks a free one)" },
    bots: { type: "string", valueName: "N", default: "2", description: "basic-strategy bot seats" },
  },
  examples: ["pnpm --filter @proj/cardsharp example:server -- --port 8765 --bots 2"],
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  const host = values.host as string;
  const port = intFlag(values, "port", { max: 65535 }) as number;
  const bots = intFlag(values, "bots", { max: 7 }) as number;

  const bus = new EventBus();
  const handler = new WebSocketEventHandler({ bus });
  const adapter = new WebAdapter({ useWebsockets: true, handler, autoSeat: true });
  const table = new BlackjackTable({ bus, bots });
  adapter.attach(table);

  // What CardsharpServer does before every upgrade: other sites' pages and foreign Host names get 403.
  const guard = new AccessGuard({ bindHost: host });
  const wss = new WebSocketServer({
    host,
    port,
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
  await once(wss, "listening"); // rejects with the error instead (a port in use: one line, exit 1)
  handler.start();
  table.start();
  console.log(`listening on ws://${host}:${(wss.address() as AddressInfo).port}`);

  const shutdown = async () => {
    await table.stop();
    handler.close();
    wss.close(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
});
