import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import {
  AbortError,
  CloseCode,
  ConnectionClosedError,
  HandshakeError,
  NotConnectedError,
  ProtocolClient,
  QueueOverflowError,
  ReconnectingSocket,
  RequestManager,
  type SocketStatus,
  TimeoutError,
} from "../src/index.js";
import { NodeWebSocket } from "../src/node/index.js";
import { HttpError, startWsServer, WsEndpoint } from "../src/server/index.js";
import {
  disposeLeftovers,
  spawnScript,
  startTestServer,
  trackLeftover,
  waitFor,
  waitForEvent,
} from "../src/testing/index.js";
import { echoCorrelation, echoProtocol } from "./helpers.js";

afterEach(disposeLeftovers);

const fast = { minDelayMs: 10, maxDelayMs: 50, factor: 2, jitter: 0.5 };

function echoEndpoint(endpoint: WsEndpoint<any>) {
  endpoint.on("connection", (conn) => {
    conn.ws.on("message", (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.type === "say") conn.send(JSON.stringify({ type: "said", id: m.id, text: m.text }));
    });
  });
}

function track<T extends { close(): unknown }>(c: T): T {
  trackLeftover(() => c.close());
  return c;
}

/** A server recording every text message, and a socket that connects only when the test says so. */
async function recordingServerAndIdleSocket(options: Partial<ConstructorParameters<typeof ReconnectingSocket>[0]>) {
  const server = await startTestServer();
  const got: string[] = [];
  server.endpoint.on("connection", (c) => c.ws.on("message", (d) => got.push(d.toString())));
  const sock = track(
    new ReconnectingSocket({ url: server.url, WebSocket: NodeWebSocket, autoConnect: false, ...options }),
  );
  return { server, sock, got };
}

describe("ReconnectingSocket", () => {
  test("never passes undefined protocols to the WebSocket constructor (no argument, or [] before options)", async () => {
    const server = await startTestServer();
    const calls: unknown[][] = [];
    class Recording extends NodeWebSocket {
      constructor(...args: ConstructorParameters<typeof NodeWebSocket>) {
        calls.push(args.slice(0, 2));
        super(...args);
      }
    }
    const plain = track(new ReconnectingSocket({ url: server.url, WebSocket: Recording as any }));
    await plain.opened();
    const named = track(new ReconnectingSocket({ url: server.url, WebSocket: Recording as any, protocols: "chat" }));
    await named.opened();
    // Options (Node's ws) need the second argument: the spec's default, an empty list, never undefined.
    const withOptions = track(
      new ReconnectingSocket({ url: server.url, WebSocket: Recording as any, wsOptions: { maxPayload: 1024 } }),
    );
    await withOptions.opened();
    expect(calls).toEqual([[server.url], [server.url, "chat"], [server.url, []]]);
  });

  test("reconnects after a server restart, resetting to open, and reports every status", async () => {
    const endpoint = new WsEndpoint({ heartbeat: false });
    echoEndpoint(endpoint);
    const first = await startWsServer({ routes: { "/": endpoint } });
    const port = first.port;
    const statuses: SocketStatus[] = [];
    const sock = track(
      new ReconnectingSocket({ url: `ws://127.0.0.1:${port}/`, WebSocket: NodeWebSocket, backoff: fast }),
    );
    sock.on("status", (s) => statuses.push(s));
    await sock.opened();
    await first.close({ code: CloseCode.ServiceRestart, reason: "restart" });
    await waitFor(() => sock.status === "reconnecting");

    const endpoint2 = new WsEndpoint({ heartbeat: false });
    echoEndpoint(endpoint2);
    const second = await startWsServer({ routes: { "/": endpoint2 }, port });
    trackLeftover(() => second.close());
    await waitFor(() => sock.status === "open", { timeoutMs: 5000 });
    const reply = waitForEvent<unknown>((l) => sock.on("message", l));
    sock.send(JSON.stringify({ type: "say", id: "r", text: "back" }));
    expect(JSON.parse(String(await reply))).toEqual({ type: "said", id: "r", text: "back" });
    expect(statuses).toEqual(expect.arrayContaining(["open", "reconnecting"]));
    expect(statuses.at(-1)).toBe("open");
  });

  test("does not retry a fatal close code and reports the last error", async () => {
    const server = await startTestServer();
    server.endpoint.on("connection", (c) => c.close(CloseCode.Forbidden, "go away"));
    let attempts = 0;
    const sock = track(
      new ReconnectingSocket({
        url: () => {
          attempts++;
          return server.url;
        },
        WebSocket: NodeWebSocket,
        backoff: fast,
      }),
    );
    const info = await sock.closed;
    expect(info).toMatchObject({ code: 4403, reason: "go away", willReconnect: false });
    expect(sock.status).toBe("closed");
    expect(attempts).toBe(1);
    expect(sock.lastError).toBeInstanceOf(ConnectionClosedError);
  });

  test("a refused handshake (401) is a fatal HandshakeError with the status", async () => {
    const server = await startTestServer({
      authenticate: () => {
        throw new HttpError(401, { error: "auth_required" });
      },
    });
    const sock = track(new ReconnectingSocket({ url: server.url, WebSocket: NodeWebSocket, backoff: fast }));
    await expect(sock.opened()).rejects.toBeInstanceOf(HandshakeError);
    expect((sock.lastError as HandshakeError).status).toBe(401);
    expect(sock.status).toBe("closed");
  });

  test("fatalHandshakeStatuses: [] keeps retrying after a refused handshake", async () => {
    let calls = 0;
    const server = await startTestServer({
      authenticate: () => {
        calls++;
        if (calls < 3) throw new HttpError(401, { error: "not yet" });
        return undefined;
      },
    });
    const sock = track(
      new ReconnectingSocket({ url: server.url, WebSocket: NodeWebSocket, backoff: fast, fatalHandshakeStatuses: [] }),
    );
    await sock.opened();
    expect(calls).toBe(3);
  });

  test("calls the URL provider on every attempt (fresh token per reconnect)", async () => {
    const server = await startTestServer();
    const tokens: string[] = [];
    server.endpoint.on("connection", (c) => {
      tokens.push(new URL(c.request.url ?? "", "http://x").searchParams.get("token") ?? "");
      if (tokens.length < 3) c.close(CloseCode.GoingAway, "again");
    });
    let n = 0;
    const sock = track(
      new ReconnectingSocket({ url: () => `${server.url}?token=t${++n}`, WebSocket: NodeWebSocket, backoff: fast }),
    );
    await waitFor(() => tokens.length === 3 && sock.status === "open");
    expect(tokens).toEqual(["t1", "t2", "t3"]);
  });

  test("gives up after maxRetries when nothing listens", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const sock = track(
      new ReconnectingSocket({
        url: `ws://127.0.0.1:${port}/`,
        WebSocket: NodeWebSocket,
        backoff: fast,
        maxRetries: 2,
      }),
    );
    const info = await sock.closed;
    expect(info.willReconnect).toBe(false);
    expect(sock.attempt).toBe(3);
    expect(sock.lastError).toBeInstanceOf(Error);
  });

  test("queues sends while disconnected (bounded) and flushes them in order on open", async () => {
    const { sock, got } = await recordingServerAndIdleSocket({ queue: { maxMessages: 3, maxBytes: 1024 } });
    sock.send("a");
    sock.send("b");
    sock.send("c");
    expect(() => sock.send("d")).toThrow(QueueOverflowError);
    expect(sock.queuedMessages).toBe(3);
    sock.connect();
    await waitFor(() => got.length === 3);
    expect(got).toEqual(["a", "b", "c"]);
    sock.send("e");
    await waitFor(() => got.length === 4);
    expect(got[3]).toBe("e");
  });

  test("a lone send is written at once; the rest of a burst is corked until the task's microtasks have run", async () => {
    const sockets: Array<{ _socket: { writableCorked: number } }> = [];
    const Spy = class extends (NodeWebSocket as unknown as new (...a: unknown[]) => object) {
      constructor(...args: unknown[]) {
        super(...args);
        sockets.push(this as unknown as { _socket: { writableCorked: number } });
      }
    };
    const { sock, got } = await recordingServerAndIdleSocket({
      WebSocket: Spy as unknown as typeof NodeWebSocket,
    });
    sock.connect();
    await sock.opened();
    const tcp = () => sockets[0]?._socket.writableCorked;
    sock.send("lone");
    expect(tcp()).toBe(0);
    await Promise.resolve();
    const burst = Array.from({ length: 500 }, (_, i) => `m${i}-${"y".repeat(i)}`);
    sock.send(burst[0] as string);
    expect(tcp()).toBe(0);
    for (const m of burst.slice(1)) sock.send(m);
    expect(tcp()).toBe(1);
    await Promise.resolve();
    expect(tcp()).toBe(0);
    await waitFor(() => got.length === 501);
    expect(got).toEqual(["lone", ...burst]);
  });

  test("text and binary messages at every length boundary arrive intact, with and without compression", async () => {
    for (const perMessageDeflate of [false, true]) {
      const server = await startTestServer({ perMessageDeflate });
      const got: Array<string | Buffer> = [];
      server.endpoint.on("connection", (c) =>
        c.ws.on("message", (d, isBinary) => got.push(isBinary ? Buffer.from(d as Buffer) : d.toString())),
      );
      const sock = track(new ReconnectingSocket({ url: server.url, WebSocket: NodeWebSocket }));
      await sock.opened();
      // Byte lengths 0, 1-3 past a multiple of 4 (the mask's tail), 125/126, 65535/65536 ("é" is 2 bytes).
      const texts = ["", "a", "ab", "abc", `${"a".repeat(123)}é`, `${"a".repeat(124)}é`];
      texts.push(`${"é".repeat(32_767)}a`, "😀".repeat(16_384), "x€".repeat(40_000));
      const bins = [0, 5, 126, 65_535, 65_536].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31) % 256));
      for (const t of texts) sock.send(t);
      for (const b of bins) sock.send(b);
      await waitFor(() => got.length === texts.length + bins.length, { timeoutMs: 20_000 });
      expect(got.slice(0, texts.length)).toEqual(texts);
      for (const [i, b] of bins.entries()) expect(Buffer.compare(got[texts.length + i] as Buffer, b)).toBe(0);
      await sock.close();
      await server.close();
    }
  });

  test("frames from the server arrive as strings (text) and bytes (binary), in order", async () => {
    const server = await startTestServer();
    server.endpoint.on("connection", (c) => {
      c.send("first");
      c.send(new Uint8Array([1, 2, 3]));
      c.send("é😀");
      c.send(new Uint8Array(0));
    });
    const sock = track(new ReconnectingSocket({ url: server.url, WebSocket: NodeWebSocket }));
    const got: unknown[] = [];
    sock.on("message", (m) => got.push(m));
    await waitFor(() => got.length === 4);
    expect(got[0]).toBe("first");
    expect(got[1]).toBeInstanceOf(Uint8Array);
    expect([...(got[1] as Uint8Array)]).toEqual([1, 2, 3]);
    expect(got[2]).toBe("é😀");
    expect((got[3] as Uint8Array).byteLength).toBe(0);
  });

  test("onOpen sends go ahead of messages queued while disconnected (handshake first)", async () => {
    const { sock, got } = await recordingServerAndIdleSocket({ onOpen: (send) => send("hello") });
    sock.send("queued-1");
    sock.send("queued-2");
    sock.connect();
    await waitFor(() => got.length === 3);
    expect(got).toEqual(["hello", "queued-1", "queued-2"]);
  });

  test("a frame over the client's maxPayload closes with 1009, reported as such", async () => {
    const server = await startTestServer();
    server.endpoint.on("connection", (c) => c.send("z".repeat(4096)));
    const sock = track(
      new ReconnectingSocket({
        url: server.url,
        WebSocket: NodeWebSocket,
        wsOptions: { maxPayload: 1024 },
        reconnect: false,
      }),
    );
    const info = await sock.closed;
    expect(info.code).toBe(CloseCode.MessageTooBig);
  });

  test("without a queue, a send while disconnected is a NotConnectedError", () => {
    const sock = new ReconnectingSocket({
      url: "ws://127.0.0.1:9/",
      WebSocket: NodeWebSocket,
      autoConnect: false,
      queue: false,
    });
    expect(() => sock.send("x")).toThrow(NotConnectedError);
  });

  test("sends after close() throw a typed error", async () => {
    const server = await startTestServer();
    const sock = new ReconnectingSocket({ url: server.url, WebSocket: NodeWebSocket });
    await sock.opened();
    await sock.close();
    expect(() => sock.send("x")).toThrow(ConnectionClosedError);
  });

  test("application-level ping: a silent server is detected and the client reconnects", async () => {
    const server = await startTestServer();
    let connections = 0;
    server.endpoint.on("connection", (c) => {
      connections++;
      // First connection never answers pings; later ones answer.
      if (connections > 1) c.ws.on("message", (d) => d.toString() === "ping" && c.send("pong"));
    });
    const errors: Error[] = [];
    const sock = track(
      new ReconnectingSocket({
        url: server.url,
        WebSocket: NodeWebSocket,
        backoff: fast,
        ping: { intervalMs: 20, timeoutMs: 40, message: "ping" },
      }),
    );
    sock.on("error", (e) => errors.push(e));
    await waitFor(() => connections >= 2 && sock.status === "open");
    expect(errors.some((e) => e instanceof TimeoutError)).toBe(true);
    await waitForEvent<unknown>(
      (l) => sock.on("message", l),
      (m) => m === "pong",
    );
  });

  test("open timeout fails an attempt that never completes the handshake", async () => {
    // A TCP server that accepts and never answers the HTTP upgrade.
    const silent = createServer();
    const held: import("node:stream").Duplex[] = [];
    silent.on("upgrade", (_req, socket) => held.push(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    trackLeftover(() => {
      for (const s of held) s.destroy();
      return new Promise<void>((r) => silent.close(() => r()));
    });
    const port = (silent.address() as AddressInfo).port;
    const sock = track(
      new ReconnectingSocket({
        url: `ws://127.0.0.1:${port}/`,
        WebSocket: NodeWebSocket,
        openTimeoutMs: 50,
        maxRetries: 0,
      }),
    );
    await sock.closed;
    expect(sock.lastError).toBeInstanceOf(TimeoutError);
  });

  test("an AbortSignal closes the client for good", async () => {
    const server = await startTestServer();
    const ac = new AbortController();
    const sock = new ReconnectingSocket({ url: server.url, WebSocket: NodeWebSocket, signal: ac.signal });
    await sock.opened();
    ac.abort();
    const info = await sock.closed;
    expect(info.willReconnect).toBe(false);
    expect(sock.status).toBe("closed");
  });

  test("async iteration yields messages and ends when the client closes", async () => {
    const server = await startTestServer();
    server.endpoint.on("connection", (c) => {
      c.send("one");
      c.send("two");
      c.close(CloseCode.Normal, "done");
    });
    const sock = new ReconnectingSocket({ url: server.url, WebSocket: NodeWebSocket, reconnect: false });
    const seen: unknown[] = [];
    for await (const m of sock) seen.push(m);
    expect(seen).toEqual(["one", "two"]);
    expect(sock.status).toBe("closed");
  });
});

describe("ProtocolClient requests", () => {
  test("request/response is correlated by id", async () => {
    const server = await startTestServer();
    echoEndpoint(server.endpoint);
    const client = track(
      new ProtocolClient(echoProtocol, { url: server.url, WebSocket: NodeWebSocket, correlation: echoCorrelation }),
    );
    const [a, b] = await Promise.all([
      client.request({ type: "say", id: "a", text: "1" }),
      client.request({ type: "say", id: "b", text: "2" }),
    ]);
    expect(a).toEqual({ type: "said", id: "a", text: "1" });
    expect(b).toEqual({ type: "said", id: "b", text: "2" });
    expect(client.requests.size).toBe(0);
  });

  test("a request times out with TimeoutError and is forgotten", async () => {
    const server = await startTestServer(); // never answers
    const client = track(
      new ProtocolClient(echoProtocol, { url: server.url, WebSocket: NodeWebSocket, correlation: echoCorrelation }),
    );
    await client.opened();
    await expect(client.request({ type: "say", id: "t", text: "x" }, { timeoutMs: 30 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    expect(client.requests.size).toBe(0);
  });

  test("requests time out each at its own deadline (one shared timer): later and earlier ones, settled ones never", async () => {
    const rm = new RequestManager<string>();
    const long = rm.register("long", { timeoutMs: 60_000 });
    const settled = rm.register("settled", { timeoutMs: 20 });
    const short = rm.register("short", { timeoutMs: 40 });
    const shorter = rm.register("shorter", { timeoutMs: 10 });
    expect(rm.settle("settled", "ok")).toBe(true);
    await expect(settled).resolves.toBe("ok");
    const order: string[] = [];
    const a = shorter.catch((e) => {
      order.push("shorter");
      return e;
    });
    const b = short.catch((e) => {
      order.push("short");
      return e;
    });
    expect(await a).toBeInstanceOf(TimeoutError);
    expect((await b).timeoutMs).toBe(40);
    expect(order).toEqual(["shorter", "short"]);
    expect(rm.has("long")).toBe(true);
    expect(rm.settle("long", "late but in time")).toBe(true);
    await expect(long).resolves.toBe("late but in time");
    expect(rm.size).toBe(0);
    expect(rm.settle("short", "too late")).toBe(false);
  });

  test("a pending request's timeout keeps Node running; a manager with nothing pending lets it exit", async () => {
    const proc = spawnScript("test/fixtures/request-timer.ts", [], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
    });
    const { code } = await proc.exit;
    expect(proc.stderr()).toBe("");
    expect(proc.lines()).toEqual(["answered", "TimeoutError"]);
    expect(code).toBe(0);
  }, 60_000);

  test("a request can be aborted", async () => {
    const server = await startTestServer();
    const client = track(
      new ProtocolClient(echoProtocol, { url: server.url, WebSocket: NodeWebSocket, correlation: echoCorrelation }),
    );
    const ac = new AbortController();
    const p = client.request({ type: "say", id: "ab", text: "x" }, { signal: ac.signal, timeoutMs: 0 });
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(client.requests.size).toBe(0);
  });

  test("every pending request is rejected with ConnectionClosedError when the connection closes", async () => {
    const server = await startTestServer();
    const conn = server.nextConnection();
    const client = track(
      new ProtocolClient(echoProtocol, {
        url: server.url,
        WebSocket: NodeWebSocket,
        correlation: echoCorrelation,
        reconnect: false,
      }),
    );
    const pending = [1, 2, 3].map((i) => client.request({ type: "say", id: String(i), text: "x" }, { timeoutMs: 0 }));
    (await conn).close(CloseCode.GoingAway, "bye");
    for (const p of pending) {
      const err = await p.catch((e) => e);
      expect(err).toBeInstanceOf(ConnectionClosedError);
      expect(err.closeCode).toBe(1001);
    }
  });

  test("invalid server messages are reported, not thrown, and the stream carries on", async () => {
    const server = await startTestServer();
    server.endpoint.on("connection", (c) => {
      c.send("{not json");
      c.send(JSON.stringify({ type: "mystery" }));
      c.send(JSON.stringify({ type: "pong" }));
    });
    const client = track(new ProtocolClient(echoProtocol, { url: server.url, WebSocket: NodeWebSocket }));
    const invalid: Error[] = [];
    client.on("invalid", (e) => invalid.push(e));
    const msg = await waitForEvent((l) => client.on("message", l));
    expect(msg).toEqual({ type: "pong" });
    expect(invalid).toHaveLength(2);
  });

  test("outgoing messages are validated before they are sent", async () => {
    const server = await startTestServer();
    const client = track(new ProtocolClient(echoProtocol, { url: server.url, WebSocket: NodeWebSocket }));
    expect(() => client.send({ type: "say", id: "1" } as never)).toThrow(/invalid outgoing message/);
  });
});
