// A typed chat protocol end to end: a ws-core server with auth and a reconnecting client.
// Run: pnpm --filter @proj/ws-core example   (add --serve to keep the server running)
import { z } from "zod";
import { defineProtocol, parseMessage, ProtocolClient, ProtocolError } from "@proj/ws-core";
import { NodeWebSocket } from "@proj/ws-core/node";
import { HttpError, startWsServer, WsEndpoint } from "@proj/ws-core/server";

const chat = defineProtocol({
  name: "chat",
  clientMessages: z.discriminatedUnion("type", [
    z.object({ type: z.literal("say"), id: z.string(), text: z.string().max(200) }),
  ]),
  serverMessages: z.discriminatedUnion("type", [
    z.object({ type: z.literal("said"), id: z.string(), from: z.string(), text: z.string() }),
    z.object({ type: z.literal("error"), message: z.string() }),
  ]),
});

const endpoint = new WsEndpoint<{ user: string }>({
  maxPayload: 4096,
  authenticate: (req) => {
    const user = new URL(req.url ?? "/", "http://localhost").searchParams.get("user");
    if (!user) throw new HttpError(401, { error: "add ?user=NAME" });
    return { user };
  },
});
endpoint.on("connection", (conn) => {
  conn.ws.on("message", (data) => {
    try {
      const m = parseMessage(chat.clientMessages, chat.codec, data.toString());
      // Everyone hears it; the sender's copy doubles as the reply to its request.
      endpoint.broadcast(JSON.stringify({ type: "said", id: m.id, from: conn.ctx.user, text: m.text }));
    } catch (err) {
      if (err instanceof ProtocolError) conn.send(JSON.stringify({ type: "error", message: err.message }));
    }
  });
});

const server = await startWsServer({ routes: { "/chat": endpoint }, port: Number(process.env.PORT ?? 0) });
console.log(`listening on ${server.wsUrl}/chat`);

const client = new ProtocolClient(chat, {
  url: `${server.wsUrl}/chat?user=ada`,
  WebSocket: NodeWebSocket,
  correlation: { requestId: (m) => m.id, responseId: (m) => ("id" in m ? m.id : undefined) },
});
client.on("status", (s) => console.log(`client status: ${s}`));
for (const [i, text] of ["hello", "typed messages", "request/response"].entries()) {
  const reply = await client.request({ type: "say", id: String(i), text });
  console.log(`reply: ${JSON.stringify(reply)}`);
}
await client.close();

if (process.argv.includes("--serve")) {
  console.log("serving; Ctrl+C to stop");
  const stop = () => void server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} else {
  await server.close();
}
