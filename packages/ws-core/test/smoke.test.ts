import { afterEach, expect, test } from "vitest";
import { z } from "zod";
import { defineProtocol, ProtocolClient } from "../src/index.js";
import { NodeWebSocket } from "../src/node/index.js";
import { connectTestClient, disposeLeftovers, startTestServer } from "../src/testing/index.js";

afterEach(disposeLeftovers);

const echo = defineProtocol({
  name: "echo",
  clientMessages: z.discriminatedUnion("type", [z.object({ type: z.literal("say"), id: z.string(), text: z.string() })]),
  serverMessages: z.discriminatedUnion("type", [z.object({ type: z.literal("said"), id: z.string(), text: z.string() })]),
});

test("a typed request/response round trip over a real socket", async () => {
  const server = await startTestServer();
  server.endpoint.on("connection", (conn) => {
    conn.ws.on("message", (raw) => {
      const m = JSON.parse(raw.toString());
      conn.send(JSON.stringify({ type: "said", id: m.id, text: m.text.toUpperCase() }));
    });
  });
  const client = new ProtocolClient(echo, {
    url: server.url,
    WebSocket: NodeWebSocket,
    correlation: { requestId: (m) => m.id, responseId: (m) => m.id },
  });
  const reply = await client.request({ type: "say", id: "1", text: "hi" });
  expect(reply).toEqual({ type: "said", id: "1", text: "HI" });
  await client.close();
  expect(client.status).toBe("closed");
  const raw = await connectTestClient(server.url);
  raw.send({ type: "say", id: "2", text: "x" });
  expect(await raw.nextJson()).toEqual({ type: "said", id: "2", text: "X" });
});
