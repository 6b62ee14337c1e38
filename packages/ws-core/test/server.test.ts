import { afterEach, describe, expect, test, vi } from "vitest";
import WebSocket from "ws";
import { CloseCode } from "../src/index.js";
import { HttpError, startWsServer, WsEndpoint } from "../src/server/index.js";
import { connectTestClient, disposeLeftovers, startTestServer, trackLeftover, waitFor } from "../src/testing/index.js";

afterEach(disposeLeftovers);

describe("WsEndpoint limits and auth", () => {
  test("a frame over maxPayload closes that socket with 1009; others carry on", async () => {
    const server = await startTestServer({ maxPayload: 1024 });
    server.endpoint.on("connection", (c) => c.ws.on("message", (d) => c.send(d.toString())));
    const big = await connectTestClient(server.url);
    const other = await connectTestClient(server.url);
    big.send("x".repeat(2048));
    expect((await big.closed).code).toBe(CloseCode.MessageTooBig);
    other.send("still here");
    expect(await other.next()).toBe("still here");
  });

  test("authenticate answers 401 and 403 with a JSON body before any upgrade", async () => {
    const server = await startTestServer<{ user: string }>({
      authenticate: (req) => {
        const token = new URL(req.url ?? "", "http://x").searchParams.get("token");
        if (!token) throw new HttpError(401, { error: "auth_required" });
        if (token !== "good") throw new HttpError(403, { error: "auth_invalid" });
        return { user: "alice" };
      },
    });
    const e401 = await connectTestClient(server.url).catch((e) => e);
    expect(e401.status).toBe(401);
    expect(JSON.parse(e401.body)).toEqual({ error: "auth_required" });
    const e403 = await connectTestClient(`${server.url}?token=bad`).catch((e) => e);
    expect(e403.status).toBe(403);
    expect(JSON.parse(e403.body)).toEqual({ error: "auth_invalid" });
    const accepted = server.nextConnection();
    await connectTestClient(`${server.url}?token=good`);
    expect((await accepted).ctx).toEqual({ user: "alice" });
    expect(server.endpoint.stats).toMatchObject({ rejected: 2, accepted: 1 });
  });

  test("an Origin outside the allow-list is refused with 403; non-browser clients pass", async () => {
    const server = await startTestServer({ allowedOrigins: ["http://good.example", /^chrome-extension:\/\//] });
    const refused = await connectTestClient(server.url, { origin: "http://evil.example" }).catch((e) => e);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toBe("origin not allowed");
    await connectTestClient(server.url, { origin: "http://good.example" });
    await connectTestClient(server.url, { origin: "chrome-extension://abc" });
    await connectTestClient(server.url);
    expect(server.endpoint.stats.accepted).toBe(3);
  });

  test("the heartbeat terminates a peer that stops answering pings", async () => {
    // The test beats the heartbeat (only setInterval is faked): the answering peer's pong is always
    // in before the next beat, however long a busy machine takes to deliver it.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const server = await startTestServer({ heartbeat: { intervalMs: 20 } });
      const connect = async (options: { autoPong?: boolean } = {}) => {
        const conn = server.nextConnection();
        const client = await connectTestClient(server.url, options);
        return { client, conn: await conn };
      };
      const alive = await connect();
      const dead = await connect({ autoPong: false });
      vi.advanceTimersByTime(20); // both pinged, both unanswered until a pong comes
      await waitFor(() => alive.conn.isAlive, { message: "the answering peer's pong" });
      expect(dead.conn.isAlive).toBe(false);
      vi.advanceTimersByTime(20); // the silent peer is cut, the other pinged again
      expect((await dead.client.closed).code).toBe(1006); // terminated, no close frame
      await waitFor(() => alive.conn.isAlive, { message: "the answering peer's second pong" });
      expect(server.endpoint.stats.deadPeers).toBe(1);
      expect(alive.client.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("routing", () => {
  test("two protocols share one port by path; unknown paths get 404", async () => {
    const chat = new WsEndpoint({ heartbeat: false });
    const feed = new WsEndpoint({ heartbeat: false });
    chat.on("connection", (c) => c.send("chat"));
    feed.on("connection", (c) => c.send(new Uint8Array([1, 2])));
    const server = await startWsServer({ routes: { "/chat": chat, "/feed/*": feed } });
    trackLeftover(() => server.close());
    const a = await connectTestClient(`${server.wsUrl}/chat`);
    const b = await connectTestClient(`${server.wsUrl}/feed/room-1?x=1`);
    expect(await a.next()).toBe("chat");
    expect(await b.next()).toEqual(new Uint8Array([1, 2]));
    const missing = await connectTestClient(`${server.wsUrl}/nope`).catch((e) => e);
    expect(missing.status).toBe(404);
    // Plain HTTP on the same port still answers.
    const res = await fetch(`${server.url}/anything`);
    expect(res.status).toBe(404);
  });
});

describe("slow consumers", () => {
  async function stalledPair(policy: "skip" | "drop" | "disconnect") {
    const server = await startTestServer({ slowConsumer: { policy, highWaterMark: 64 * 1024, maxQueue: 5 } });
    const slowConn = server.nextConnection();
    const slow = await connectTestClient(server.url);
    const fastConn = server.nextConnection();
    const fast = await connectTestClient(server.url);
    // Stop reading on the slow client: the kernel buffers fill, then ws's own buffer grows.
    (slow.ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
    let fastGot = 0;
    fast.ws.on("message", () => fastGot++);
    /** The producer waits for the fast peer to have read all `sent` messages: only the stalled one falls behind. */
    const fastCaughtUp = (sent: number) =>
      waitFor(() => fastGot === sent, { timeoutMs: 30_000, message: `fast peer at ${sent} messages` });
    return { server, slow, fast, slowConn: await slowConn, fastConn: await fastConn, fastCaughtUp };
  }

  const chunk = "y".repeat(32 * 1024);
  const rounds = 400; // 12.5 MiB per client

  test("drop: a stalled peer's memory stays bounded, oldest messages dropped and counted; the other peer gets everything", async () => {
    const { server, slow, slowConn, fastConn, fastCaughtUp } = await stalledPair("drop");
    let peak = 0;
    for (let i = 0; i < rounds; i++) {
      server.endpoint.broadcast(`${i}:${chunk}`);
      peak = Math.max(peak, slowConn.bufferedAmount);
      expect(slowConn.backlog).toBeLessThanOrEqual(5);
      if (i % 20 === 19) await fastCaughtUp(i + 1);
    }
    // At most the mark behind, plus one tick's burst (itself flushed at the mark), plus one message.
    expect(peak).toBeLessThan(2 * 64 * 1024 + 2 * chunk.length + 64);
    expect(server.endpoint.stats.dropped).toBeGreaterThan(0);
    expect(slowConn.stats.dropped).toBe(server.endpoint.stats.dropped);
    expect(fastConn.stats.dropped).toBe(0);
    await fastCaughtUp(rounds);
    // Once the slow peer reads again it receives the newest message.
    (slow.ws as unknown as { _socket: import("node:net").Socket })._socket.resume();
    await slow.next((m) => String(m).startsWith(`${rounds - 1}:`), 10_000);
  });

  test("skip: messages to a stalled peer are skipped and counted", async () => {
    const { server, slowConn } = await stalledPair("skip");
    for (let i = 0; i < rounds; i++) {
      server.endpoint.broadcast(chunk);
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(slowConn.bufferedAmount).toBeLessThan(2 * 64 * 1024 + 2 * chunk.length + 64);
    expect(server.endpoint.stats.skipped).toBeGreaterThan(0);
  });

  test("disconnect: a stalled peer is cut off and counted", async () => {
    const { server, slow, fast, fastCaughtUp } = await stalledPair("disconnect");
    for (let i = 0; i < rounds && server.endpoint.stats.disconnected === 0; i++) {
      server.endpoint.broadcast(chunk);
      if (i % 20 === 19) await fastCaughtUp(i + 1);
    }
    expect(server.endpoint.stats.disconnected).toBe(1);
    (slow.ws as unknown as { _socket: import("node:net").Socket })._socket.resume();
    await slow.closed;
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe("graceful shutdown", () => {
  test("peers get 1001 with the reason, new upgrades are refused, the server closes", async () => {
    const server = await startTestServer();
    const a = await connectTestClient(server.url);
    const b = await connectTestClient(server.url);
    const closing = server.close({ code: CloseCode.GoingAway, reason: "Server shutdown", graceMs: 1000 });
    expect(await a.closed).toEqual({ code: 1001, reason: "Server shutdown" });
    expect(await b.closed).toEqual({ code: 1001, reason: "Server shutdown" });
    await closing;
    expect(server.endpoint.connections.size).toBe(0);
    expect(server.server.listening).toBe(false);
  });

  test("peers that do not finish the close handshake are terminated after the grace period", async () => {
    const server = await startTestServer();
    const stuck = await connectTestClient(server.url);
    // Swallow the close frame: the peer never answers it.
    (stuck.ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
    await server.close({ graceMs: 50 });
    expect(server.endpoint.connections.size).toBe(0);
  });

  test("an endpoint that is closing refuses upgrades with 503", async () => {
    const endpoint = new WsEndpoint({ heartbeat: false });
    const s = await startWsServer({ routes: { "/": endpoint } });
    trackLeftover(() => s.close());
    await endpoint.close();
    const err = await connectTestClient(`${s.wsUrl}/`).catch((e) => e);
    expect(err.status).toBe(503);
  });
});

describe("connection limit", () => {
  test("past maxConnections upgrades are refused with 503 before the handshake", async () => {
    const server = await startTestServer({ maxConnections: 2 });
    await connectTestClient(server.url);
    const second = await connectTestClient(server.url);
    const refused = await connectTestClient(server.url).catch((e) => e);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error).toBe("too many connections");
    await second.close();
    await waitFor(() => server.endpoint.connections.size === 1);
    await connectTestClient(server.url);
  });
});

describe("test client", () => {
  test("two identical frames are two messages", async () => {
    const server = await startTestServer();
    server.endpoint.on("connection", (c) => {
      c.send('{"same":1}');
      c.send('{"same":1}');
    });
    const client = await connectTestClient(server.url);
    expect(await client.nextJson()).toEqual({ same: 1 });
    expect(await client.nextJson()).toEqual({ same: 1 });
    expect(client.received).toHaveLength(2);
  });
});

describe("drop backlog with a tiny high-water mark", () => {
  test("the backlog drains even when the TCP socket never asks for a drain", async () => {
    const server = await startTestServer({ slowConsumer: { policy: "drop", highWaterMark: 1, maxQueue: 1000 } });
    const conn = server.nextConnection();
    const client = await connectTestClient(server.url);
    const c = await conn;
    for (let i = 0; i < 50; i++) c.send(`m${i}`);
    await client.next((m) => m === "m49");
    expect(client.received).toHaveLength(50);
    expect(c.backlog).toBe(0);
  });
});

describe("paths", () => {
  test("request paths are taken literally, repeated slashes collapse, query and trailing slash ignored", async () => {
    const { requestPath } = await import("../src/server/index.js");
    expect(requestPath("//api//ws/?stream=0")).toBe("/api/ws");
    expect(requestPath("/a%20b")).toBe("/a b");
    expect(requestPath(undefined)).toBe("/");
    expect(requestPath("/%E0%A4%A")).toBe("/%E0%A4%A");
  });

  test("an upgrade to //chat// reaches the /chat endpoint", async () => {
    const server = await startTestServer({ path: "/chat" });
    server.endpoint.on("connection", (c) => c.send("hi"));
    const client = await connectTestClient(`${server.wsUrl}//chat//`);
    expect(await client.next()).toBe("hi");
  });
});

describe("heartbeat options", () => {
  test("a silent peer is closed with the configured code and reason; app-level pings go out", async () => {
    const server = await startTestServer({
      heartbeat: {
        intervalMs: 20,
        closeCode: CloseCode.InternalError,
        closeReason: "keepalive ping timeout",
        message: () => '{"type":"ping"}',
      },
    });
    const silent = await connectTestClient(server.url, { autoPong: false });
    expect(await silent.nextJson()).toEqual({ type: "ping" });
    expect(await silent.closed).toEqual({ code: 1011, reason: "keepalive ping timeout" });
    expect(server.endpoint.stats.deadPeers).toBe(1);
  });
});

describe("HTTP helpers", () => {
  test("readBody refuses bodies over the limit with 413; readJsonBody refuses bad JSON with 400", async () => {
    const { readJsonBody, sendHttpError, sendJson } = await import("../src/server/index.js");
    const server = await startTestServer({
      onRequest: (req, res) => {
        readJsonBody(req, 16)
          .then((body) => sendJson(res, 200, { body }))
          .catch((err) => sendHttpError(res, err));
      },
    });
    const post = (body: string) => fetch(`${server.url.replace("ws", "http")}x`, { method: "POST", body });
    expect(await (await post('{"a":1}')).json()).toEqual({ body: { a: 1 } });
    expect((await post("x".repeat(100))).status).toBe(413);
    expect((await post("{nope")).status).toBe(400);
  });

  test("listen gives https/wss URLs for a TLS server, http/ws otherwise", async () => {
    const { createServer: createHttpsServer } = await import("node:https");
    const { closeHttpServer, createHttpServer, listen } = await import("../src/server/index.js");
    const secure = await listen(createHttpsServer({}));
    const plain = await listen(createHttpServer());
    expect([secure.url, secure.wsUrl]).toEqual([`https://127.0.0.1:${secure.port}`, `wss://127.0.0.1:${secure.port}`]);
    expect([plain.url, plain.wsUrl]).toEqual([`http://127.0.0.1:${plain.port}`, `ws://127.0.0.1:${plain.port}`]);
    await Promise.all([closeHttpServer(secure.server), closeHttpServer(plain.server)]);
  });

  test("readBody refuses a declared Content-Length over the limit before reading anything", async () => {
    const { PassThrough } = await import("node:stream");
    const { readBody } = await import("../src/server/index.js");
    // A body that never arrives: only the declared length can answer.
    const req = Object.assign(new PassThrough(), { headers: { "content-length": "100" } });
    await expect(readBody(req, 16)).rejects.toMatchObject({ status: 413 });
  });
});

describe("drain notification", () => {
  test("whenDrained resolves once a paused peer reads again", async () => {
    const server = await startTestServer({ slowConsumer: { policy: "drop", highWaterMark: 1 << 30 } });
    const conn = server.nextConnection();
    const client = await connectTestClient(server.url);
    const c = await conn;
    const socket = (client.ws as unknown as { _socket: import("node:net").Socket })._socket;
    socket.pause();
    const chunk = "d".repeat(64 * 1024);
    for (let i = 0; i < 200; i++) c.send(chunk);
    await waitFor(() => c.bufferedAmount > 0);
    let drained = false;
    const done = c.whenDrained().then(() => {
      drained = true;
    });
    expect(drained).toBe(false);
    socket.resume();
    await done;
    expect(c.bufferedAmount).toBe(0);
  });

  test("afterWrites calls back only once the paused peer has taken the frames sent before it", async () => {
    const server = await startTestServer({ slowConsumer: { policy: "drop", highWaterMark: 1 << 30 } });
    const conn = server.nextConnection();
    const client = await connectTestClient(server.url);
    const c = await conn;
    const socket = (client.ws as unknown as { _socket: import("node:net").Socket })._socket;
    socket.pause();
    const chunk = new Uint8Array(256 * 1024).fill(7);
    for (let i = 0; i < 40; i++) expect(c.send(chunk)).toBe("sent");
    await waitFor(() => c.bufferedAmount > 0);
    let written = false;
    const done = new Promise<Error | null | undefined>((resolve) =>
      expect(
        c.afterWrites((err) => {
          written = true;
          resolve(err);
        }),
      ).toBe(true),
    );
    await new Promise((r) => setImmediate(r));
    expect(written).toBe(false);
    socket.resume();
    expect(await done).toBeFalsy();
    expect(c.bufferedAmount).toBe(0);
    c.close();
    await client.closed;
    expect(c.afterWrites(() => {})).toBe(false);
  });

  test("afterWrites cannot tell through compression and says so", async () => {
    const server = await startTestServer({ perMessageDeflate: true });
    const conn = server.nextConnection();
    await connectTestClient(server.url);
    const c = await conn;
    c.send(new Uint8Array([1, 2, 3]));
    expect(c.afterWrites(() => {})).toBe(false);
  });

  test("a closing endpoint refuses with the configured error", async () => {
    const endpoint = new WsEndpoint({ heartbeat: false, closingError: new HttpError(503, { error: "restarting" }) });
    const s = await startWsServer({ routes: { "/": endpoint } });
    trackLeftover(() => s.close());
    await endpoint.close();
    const err = await connectTestClient(`${s.wsUrl}/`).catch((e) => e);
    expect(JSON.parse(err.body)).toEqual({ error: "restarting" });
  });
});

describe("broadcast framing", () => {
  test("one pre-encoded frame reaches every peer intact: text, binary, 16-bit and 64-bit lengths, with and without deflate", async () => {
    for (const perMessageDeflate of [false, true]) {
      const server = await startTestServer({ perMessageDeflate });
      const clients = await Promise.all([1, 2, 3].map(() => connectTestClient(server.url)));
      await waitFor(() => server.endpoint.connections.size === 3);
      const big = "b".repeat(70_000);
      const mid = "m".repeat(300);
      expect(server.endpoint.broadcast("small")).toBe(3);
      server.endpoint.broadcast(mid);
      server.endpoint.broadcast(big);
      server.endpoint.broadcast(new Uint8Array([0, 1, 2, 255]));
      for (const c of clients) {
        expect(await c.next()).toBe("small");
        expect(await c.next()).toBe(mid);
        expect(await c.next()).toBe(big);
        expect(await c.next()).toEqual(new Uint8Array([0, 1, 2, 255]));
      }
      await server.close();
    }
  });
});

describe("send framing", () => {
  test("a text send is framed in one buffer with the right length field: UTF-8 payloads at every length boundary", async () => {
    for (const perMessageDeflate of [false, true]) {
      const server = await startTestServer({ perMessageDeflate });
      const client = await connectTestClient(server.url);
      await waitFor(() => server.endpoint.connections.size === 1);
      const conn = [...server.endpoint.connections][0];
      // "é" is 2 UTF-8 bytes and "😀" 4: byte lengths 0, 125, 126, 65535, 65536 and past, not string lengths.
      const texts = [
        "",
        `${"a".repeat(123)}é`,
        `${"a".repeat(124)}é`,
        `${"é".repeat(32_767)}a`,
        "😀".repeat(16_384),
        "x€".repeat(40_000),
      ];
      for (const t of texts) expect(conn?.send(t)).toBe("sent");
      for (const t of texts) expect(await client.next()).toBe(t);
      await server.close();
    }
  });

  test("a broadcast of binary payloads on either side of the one-buffer limit reaches every peer intact", async () => {
    const server = await startTestServer();
    const clients = await Promise.all([1, 2].map(() => connectTestClient(server.url)));
    await waitFor(() => server.endpoint.connections.size === 2);
    const payloads = [65_535, 65_536, 200_000].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7) % 251));
    for (const p of payloads) expect(server.endpoint.broadcast(p)).toBe(2);
    for (const c of clients) {
      for (const p of payloads) {
        const got = (await c.next()) as Uint8Array;
        expect(got.byteLength).toBe(p.byteLength);
        expect(Buffer.from(got).equals(p)).toBe(true);
      }
    }
    await server.close();
  });
});
