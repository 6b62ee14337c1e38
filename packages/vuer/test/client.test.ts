import { readFileSync } from "node:fs";
import {
  CloseCode,
  NotConnectedError as CoreNotConnectedError,
  deferred,
  ProtocolClient,
  QueueOverflowError,
} from "@proj/ws-core";
import { NodeWebSocket } from "@proj/ws-core/node";
import { disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import {
  ClientEvent,
  DEFAULT_MAX_SIZE,
  defineClientEvent,
  NotConnectedError,
  resolveClientConfig,
  type ServerEvent,
  VERSION,
  VuerClient,
  VuerConfigError,
  vuerProtocol,
} from "../src/index.js";
import { Box } from "../src/schemas/index.js";
import type { IncomingEvent } from "../src/server/index.js";
import { newVuerClient, nodesOf, startVuer, vuerClient } from "./helpers.js";

afterEach(disposeLeftovers);

/** Records every event the server got, per session, in order. */
async function recordingServer(options: Parameters<typeof startVuer>[0] = {}) {
  const s = await startVuer(options);
  const events: IncomingEvent[] = [];
  for (const etype of ["INIT", "A", "B", "C", "SET_POSITION", "PING"]) s.app.addHandler(etype, (ev) => events.push(ev));
  return { ...s, events };
}

/** A server whose spawn function sends one BIG frame of `bytes` and reports the code the session closes with. */
async function bigFrameServer(bytes: number) {
  const s = await startVuer();
  const closedCode = deferred<number>();
  s.app.spawn(async (session) => {
    session.send({ ts: 0, data: new Uint8Array(bytes), etype: "BIG" });
    closedCode.resolve((await session.closed).code);
  });
  return { ...s, closedCode: closedCode.promise };
}

describe("VuerClient", () => {
  test("sends INIT first on connect, with the common and Node runtime fields", async () => {
    const { url, events } = await recordingServer();
    const client = await vuerClient(url);
    await waitFor(() => events.length === 1);
    const init = events[0] as IncomingEvent;
    expect(init.etype).toBe("INIT");
    expect(Number.isInteger(init.ts)).toBe(true);
    expect(Object.keys(init.value)).toEqual([
      "client",
      "clientVersion",
      "timezone",
      "timezoneOffset",
      "nodeVersion",
      "platform",
      "platformVersion",
      "machine",
    ]);
    expect(init.value).toMatchObject({ client: "node", clientVersion: VERSION, nodeVersion: process.version });
    expect(typeof init.value.timezone).toBe("string");
    expect(Number.isInteger(init.value.timezoneOffset)).toBe(true);
    expect(client.connected).toBe(true);
    await client.close();
    expect(client.connected).toBe(false);
  });

  test("clientVersion is the package version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(VERSION).toBe(pkg.version);
  });

  test("sendNow and awaited sends keep their order; class-level values are sent", async () => {
    const { url, events } = await recordingServer();
    const client = await vuerClient(url);
    const SetPosition = defineClientEvent<number[]>("SET_POSITION", [0, 0, 0]);
    client.sendNow(new ClientEvent({ etype: "A", value: 1 }));
    await client.send({ etype: "B", value: 2 });
    client.sendNow(new SetPosition());
    await client.send(new SetPosition({ value: [1, 2, 3] }));
    client.sendNow({ etype: "C", value: new Uint8Array([1, 2]) });
    await waitFor(() => events.length === 6);
    expect(events.map((e) => [e.etype, e.value])).toEqual([
      ["INIT", events[0]?.value],
      ["A", 1],
      ["B", 2],
      ["SET_POSITION", [0, 0, 0]],
      ["SET_POSITION", [1, 2, 3]],
      ["C", new Uint8Array([1, 2])],
    ]);
  });

  test("a send from a status listener still goes out after INIT", async () => {
    const { url, events } = await recordingServer();
    const client = newVuerClient(url);
    client.on("status", (s) => {
      if (s === "open") client.sendNow({ etype: "A", value: "early" });
    });
    await client.connect();
    await waitFor(() => events.length === 2);
    expect(events.map((e) => e.etype)).toEqual(["INIT", "A"]);
  });

  test("send errors are typed: not connected, not an event; sendNow reports them on 'error'", async () => {
    const client = newVuerClient("ws://127.0.0.1:9");
    await expect(client.send({ etype: "X" })).rejects.toBeInstanceOf(NotConnectedError);
    await expect(client.recv()).rejects.toBeInstanceOf(NotConnectedError);
    await expect(client.send({ nope: 1 } as never)).rejects.toBeInstanceOf(TypeError);
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e));
    client.sendNow({ etype: "X" });
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(NotConnectedError);
    // Vuer's error is ws-core's, with upstream's message.
    expect(errors[0]).toBeInstanceOf(CoreNotConnectedError);
    expect(errors[0]).toMatchObject({
      name: "NotConnectedError",
      code: "NOT_CONNECTED",
      message: "Not connected to server. Call connect() first.",
    });
    expect(() => new ClientEvent()).toThrow(TypeError);
  });

  test("sends while connecting wait in a bounded queue and go out after INIT, in order", async () => {
    const { url, events } = await recordingServer();
    const client = newVuerClient(url, { sendQueue: { maxMessages: 2 } });
    const connecting = client.connect();
    expect(client.connected).toBe(false);
    const a = client.send({ etype: "A", value: 1 });
    client.sendNow({ etype: "B", value: 2 });
    await expect(client.send({ etype: "C", value: 3 })).rejects.toBeInstanceOf(QueueOverflowError);
    await connecting;
    await a; // resolved once flushed
    await client.send({ etype: "C", value: 4 });
    await waitFor(() => events.length === 4);
    expect(events.map((e) => [e.etype, e.etype === "INIT" ? null : e.value])).toEqual([
      ["INIT", null],
      ["A", 1],
      ["B", 2],
      ["C", 4],
    ]);
  });

  test("a send waiting for a connection that never opens rejects", async () => {
    const { app, url } = await startVuer();
    await app.close();
    const client = newVuerClient(url);
    const connecting = client.connect();
    const sent = client.send({ etype: "A" });
    await expect(connecting).rejects.toBeInstanceOf(Error);
    await expect(sent).rejects.toBeInstanceOf(Error);
    await expect(client.send({ etype: "A" })).rejects.toBeInstanceOf(NotConnectedError);
  });

  test("connect() rejects when nothing listens", async () => {
    const { app, url } = await startVuer();
    await app.close();
    const client = newVuerClient(url);
    await expect(client.connect()).rejects.toBeInstanceOf(Error);
  });

  test("recv resolves null on timeout and the connection stays up; iteration ends when the server closes", async () => {
    const { app, url } = await startVuer();
    const go = deferred<void>();
    app.spawn(async (session) => {
      await go.promise;
      session.upsert(Box({ key: "a" }));
      session.upsert(Box({ key: "b" }));
    });
    const client = await vuerClient(url);
    expect(await client.recv({ timeoutMs: 20 })).toBeNull();
    expect(client.connected).toBe(true);
    go.resolve();
    const keys: string[] = [];
    for await (const ev of client) keys.push(nodesOf(ev)[0]?.key);
    expect(keys).toEqual(["a", "b"]);
    expect(await client.recv()).toBeNull();
  });

  test("unread events are bounded in bytes too: the oldest go first, the newest stays, the scene sees all", async () => {
    const { app, url } = await startVuer();
    const go = deferred<void>();
    app.spawn(async (s) => {
      await go.promise;
      for (let i = 0; i < 4; i++) s.upsert(Box({ key: `b${i}`, blob: new Uint8Array(3000) }));
      await s.forever();
    });
    const client = await vuerClient(url, { inboxMaxBytes: 7000 });
    let seen = 0;
    client.on("event", () => seen++);
    go.resolve();
    await waitFor(() => seen === 4);
    expect(client.droppedEvents).toBe(2);
    expect(nodesOf(await client.recv())[0]?.key).toBe("b2");
    expect(nodesOf(await client.recv())[0]?.key).toBe("b3");
    expect([0, 1, 2, 3].every((i) => client.scene.find(`b${i}`))).toBe(true);
  });

  test("the scene model follows the server's operations and reports changes", async () => {
    const { app, url } = await startVuer();
    const go = deferred<void>();
    app.spawn(async (s) => {
      await go.promise;
      s.set({ tag: "Scene", key: "scene", children: [Box({ key: "b", args: [1, 1, 1] })] });
      s.add(Box({ key: "child" }), { to: "b" });
      s.upsert(Box({ key: "b", position: [1, 2, 3] }));
      s.update(Box({ key: "child", color: "red" }));
      s.remove("child");
      await s.forever();
    });
    const client = await vuerClient(url);
    const ops: string[] = [];
    client.scene.on("change", (c) => ops.push(c.op));
    go.resolve();
    await waitFor(() => ops.length === 5);
    expect(ops).toEqual(["SET", "ADD", "UPSERT", "UPDATE", "REMOVE"]);
    expect(client.scene.find("b")).toMatchObject({ args: [1, 1, 1], position: [1, 2, 3] });
    expect(client.scene.find("child")).toBeUndefined();
  });

  test("connect() again after close opens a new connection and sends INIT again", async () => {
    const { url, events } = await recordingServer();
    const client = await vuerClient(url);
    await client.close();
    await client.connect();
    await client.send({ etype: "PING" });
    await waitFor(() => events.length === 3);
    expect(events.map((e) => e.etype)).toEqual(["INIT", "INIT", "PING"]);
  });

  test("reconnect option: after the server drops the socket the client comes back and re-sends INIT", async () => {
    const { app, url, events } = await recordingServer();
    const client = await vuerClient(url, { reconnect: { backoff: { minDelayMs: 5, maxDelayMs: 20 } } });
    await waitFor(() => events.length === 1);
    const [session] = [...app.sessions.values()];
    session?.close(CloseCode.ServiceRestart, "restart");
    await waitFor(() => events.length === 2);
    expect(events.map((e) => e.etype)).toEqual(["INIT", "INIT"]);
    await waitFor(() => client.connected);
    await client.send({ etype: "PING" });
    await waitFor(() => events.length === 3);
    client.reconnect();
    await waitFor(() => events.length === 4);
    expect(events[3]?.etype).toBe("INIT");
  });

  test("await using closes the client", async () => {
    const { url } = await startVuer();
    let ref: VuerClient | undefined;
    {
      await using client = await vuerClient(url);
      ref = client;
      expect(client.connected).toBe(true);
    }
    expect(ref?.connected).toBe(false);
  });

  test("frames over maxSize close the connection with 1009", async () => {
    const { url, closedCode } = await bigFrameServer(4096);
    const client = await vuerClient(url, { maxSize: 1000 });
    const errors: Error[] = [];
    const closes: number[] = [];
    client.on("error", (e) => errors.push(e));
    client.on("close", (c) => closes.push(c.code));
    expect(await client.recv({ timeoutMs: 5000 })).toBeNull();
    // Both ends see 1009: the server gets the close frame, the client reports the close it made.
    expect(await closedCode).toBe(CloseCode.MessageTooBig);
    expect(closes).toEqual([CloseCode.MessageTooBig]);
    expect(errors.some((e) => /max payload/i.test(e.message))).toBe(true);
  });
});

describe("ws-core integration", () => {
  test("ws-core's ProtocolClient speaks Vuer through vuerProtocol (binary msgpack codec)", async () => {
    const { app, url } = await startVuer();
    app.addHandler("HELLO", (_e, s) => s.upsert(Box({ key: "pc-box" })));
    expect(vuerProtocol.codec.frame).toBe("binary");
    const pc = new ProtocolClient(vuerProtocol, { url, WebSocket: NodeWebSocket, reconnect: false });
    trackLeftover(() => pc.close());
    await pc.opened();
    const messages = pc.messages();
    pc.send({ etype: "HELLO", ts: Date.now(), value: { message: "Hi!" } });
    const first = await messages.next();
    expect(nodesOf(first.value as ServerEvent)[0]?.key).toBe("pc-box");
    expect(() => pc.send({ etype: "" })).toThrow(/invalid outgoing message/);
    await pc.close();
  });
});

describe("configuration from the environment", () => {
  test("VUER_CLIENT_URI, WEBSOCKET_MAX_SIZE and VUER_SSL_VERIFY are parsed; explicit options win", () => {
    const env = { VUER_CLIENT_URI: "wss://example.test:9000", WEBSOCKET_MAX_SIZE: "1234", VUER_SSL_VERIFY: "false" };
    expect(resolveClientConfig({}, env)).toEqual({ uri: "wss://example.test:9000", maxSize: 1234, sslVerify: false });
    expect(resolveClientConfig({ uri: "ws://h:1", maxSize: 5, sslVerify: true }, env)).toEqual({
      uri: "ws://h:1",
      maxSize: 5,
      sslVerify: true,
    });
    expect(resolveClientConfig({}, {})).toEqual({
      uri: "ws://localhost:8012",
      maxSize: DEFAULT_MAX_SIZE,
      sslVerify: true,
    });
    for (const v of ["0", "no", "OFF", "False"])
      expect(resolveClientConfig({}, { VUER_SSL_VERIFY: v }).sslVerify).toBe(false);
    for (const v of ["1", "yes", "on", "TRUE"])
      expect(resolveClientConfig({}, { VUER_SSL_VERIFY: v }).sslVerify).toBe(true);
  });

  test("bad values are refused with VuerConfigError instead of being used as strings", () => {
    expect(() => resolveClientConfig({}, { VUER_SSL_VERIFY: "maybe" })).toThrow(VuerConfigError);
    expect(() => resolveClientConfig({}, { WEBSOCKET_MAX_SIZE: "12kb" })).toThrow(VuerConfigError);
    expect(() => resolveClientConfig({}, { WEBSOCKET_MAX_SIZE: "0" })).toThrow(VuerConfigError);
    expect(() => resolveClientConfig({}, { VUER_CLIENT_URI: "http://x" })).toThrow(VuerConfigError);
  });

  test("process.env is read in Node and its size limit applies to the connection", async () => {
    const { url, closedCode } = await bigFrameServer(3000);
    const saved = { ...process.env };
    process.env.VUER_CLIENT_URI = url;
    process.env.WEBSOCKET_MAX_SIZE = "2000";
    process.env.VUER_SSL_VERIFY = "off";
    try {
      const client = new VuerClient({ WebSocket: NodeWebSocket });
      expect(client.config).toEqual({ uri: url, maxSize: 2000, sslVerify: false });
      await client.connect();
      expect(await closedCode).toBe(CloseCode.MessageTooBig);
    } finally {
      process.env = saved;
    }
  });
});
