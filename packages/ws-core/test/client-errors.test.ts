import { afterEach, describe, expect, test } from "vitest";
import { ConnectionClosedError, HandshakeError, ProtocolClient, ReconnectingSocket } from "../src/index.js";
import { NodeWebSocket } from "../src/node/index.js";
import { HttpError } from "../src/server/index.js";
import { disposeLeftovers, startTestServer, trackLeftover } from "../src/testing/index.js";
import { echoCorrelation, echoProtocol } from "./helpers.js";

afterEach(disposeLeftovers);

function track<T extends { close(): unknown }>(c: T): T {
  trackLeftover(() => c.close());
  return c;
}

const bug = () => {
  throw new Error("getToken is not defined");
};

describe("the client surfaces the caller's errors", () => {
  test("a throwing url factory ends the client: error event with the cause, opened() rejects with it", async () => {
    const client = track(
      new ProtocolClient(echoProtocol, { url: bug, WebSocket: NodeWebSocket, correlation: echoCorrelation }),
    );
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e));
    const opened = await client.opened().catch((e: Error) => e);
    expect(opened).toBeInstanceOf(Error);
    expect((opened as Error).message).toBe("getToken is not defined");
    expect(client.status).toBe("closed");
    // Listeners added before the failure got it too (the constructor connects synchronously-async).
    expect(errors.map((e) => e.message)).toEqual(["getToken is not defined"]);
    const req = await client.request({ type: "say", id: "1", text: "x" }).catch((e) => e);
    expect(req).toBeInstanceOf(ConnectionClosedError);
    expect(req.message).toContain("getToken is not defined");
    expect((req.cause as Error).message).toBe("getToken is not defined");
  });

  test("setupErrors: 'retry' keeps trying until the factory works", async () => {
    const server = await startTestServer();
    let calls = 0;
    const socket = track(
      new ReconnectingSocket({
        url: () => {
          calls++;
          if (calls < 3) throw new Error(`token service down (${calls})`);
          return server.url;
        },
        WebSocket: NodeWebSocket,
        setupErrors: "retry",
        backoff: { minDelayMs: 5, maxDelayMs: 10 },
      }),
    );
    const errors: string[] = [];
    socket.on("error", (e) => errors.push(e.message));
    await socket.opened();
    expect(errors).toEqual(["token service down (1)", "token service down (2)"]);
  });

  test("a URL the WebSocket constructor refuses is fatal and reported", async () => {
    const socket = track(new ReconnectingSocket({ url: "not a url", WebSocket: NodeWebSocket }));
    const err = await socket.opened().catch((e) => e);
    expect(err).toBeInstanceOf(SyntaxError);
    expect(socket.status).toBe("closed");
  });

  test("a refused handshake reaches ProtocolClient's error event and rejects opened() with its status", async () => {
    const server = await startTestServer({
      authenticate: () => {
        throw new HttpError(401, { error: "auth_required" });
      },
    });
    const client = track(new ProtocolClient(echoProtocol, { url: server.url, WebSocket: NodeWebSocket }));
    const seen: Error[] = [];
    client.on("error", (e) => seen.push(e));
    const err = await client.opened().catch((e) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.status).toBe(401);
    expect(seen[0]).toBeInstanceOf(HandshakeError);
  });
});
