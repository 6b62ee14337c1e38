import { deferred, disposeLeftovers, startTestServer, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { createServer } from "node:http";
import { NodeWebSocket } from "@proj/ws-core/node";
import { closeHttpServer, listen } from "@proj/ws-core/server";
import { afterEach, describe, expect, test } from "vitest";
import { BridgeAgent, type BridgeCommand, type CommandExecutor } from "../src/client/index.js";
import { startTestBridge } from "./helpers/bridge.js";

/** An executor whose commands finish only when the test says so. */
function gatedExecutor() {
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof deferred<void>>>();
  const executor: CommandExecutor = {
    queueKey: (c) => `tab:${c.tab_id ?? 0}`,
    async execute(c: BridgeCommand) {
      const id = c.command_id as string;
      started.push(id);
      const gate = deferred<void>();
      gates.set(id, gate);
      await gate.promise;
      return { message: `done ${id}`, data: { id } };
    },
  };
  return { executor, started, release: (id: string) => gates.get(id)?.resolve() };
}

const agents: BridgeAgent[] = [];
function agent(
  url: string,
  executor: CommandExecutor,
  extra: Partial<ConstructorParameters<typeof BridgeAgent>[0]> = {},
) {
  const a = new BridgeAgent({ url, executor, WebSocket: NodeWebSocket, ...extra }).start();
  agents.push(a);
  return a;
}
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await disposeLeftovers();
});

describe("BridgeAgent against the bridge server", () => {
  test("commands for one tab run one after another; other tabs run alongside", async () => {
    const server = await startTestBridge();
    const g = gatedExecutor();
    const a = agent(server.addresses.wsUrl as string, g.executor);
    await a.ready();
    await waitFor(() => server.hub.size === 1);
    const r1 = server.hub.dispatch({ type: "get_tabs", tab_id: 1, command_id: "a" });
    const r2 = server.hub.dispatch({ type: "get_tabs", tab_id: 1, command_id: "b" });
    const r3 = server.hub.dispatch({ type: "get_tabs", tab_id: 2, command_id: "c" });
    await waitFor(() => g.started.length === 2);
    expect(g.started.sort()).toEqual(["a", "c"]);
    g.release("c");
    expect(await r3).toMatchObject({ success: true, message: "done c", data: { id: "c" } });
    expect(g.started).not.toContain("b");
    g.release("a");
    await r1;
    await waitFor(() => g.started.includes("b"));
    g.release("b");
    expect((await r2).command_id).toBe("b");
  });

  test("duplicate command ids are refused", async () => {
    const server = await startTestBridge();
    const exec: CommandExecutor = { execute: async () => ({ message: "ok", data: {} }) };
    const a = agent(server.addresses.wsUrl as string, exec);
    await a.ready();
    await waitFor(() => server.hub.size === 1);
    expect((await server.hub.dispatch({ type: "get_tabs", command_id: "once" })).success).toBe(true);
    expect(await server.hub.dispatch({ type: "get_tabs", command_id: "once" })).toMatchObject({
      success: false,
      error: "Duplicate command_id: once",
    });
  });

  test("reconnects with backoff after the server drops it, and serves commands again", async () => {
    const server = await startTestBridge();
    const a = agent(
      server.addresses.wsUrl as string,
      { execute: async () => ({ message: "ok", data: {} }) },
      {
        backoff: { minDelayMs: 20, maxDelayMs: 50, jitter: 0 },
      },
    );
    await a.ready();
    await waitFor(() => server.hub.size === 1);
    const firstId = server.hub.connections()[0]?.id;
    const statuses: string[] = [];
    a.on("status", (st) => statuses.push(st));
    for (const c of server.endpoint.connections) c.close(1011, "keepalive ping timeout");
    await waitFor(() => statuses.includes("reconnecting"));
    await waitFor(() => server.hub.size === 1 && server.hub.connections()[0]?.id !== firstId, { timeoutMs: 5000 });
    await waitFor(() => a.connectionId === server.hub.connections()[0]?.id); // the new welcome arrived
    expect(statuses).toEqual(["reconnecting", "open"]);
    expect((await server.hub.dispatch({ type: "get_tabs" })).success).toBe(true);
  });

  test("never gives up on a refused handshake (401, 404): it retries until the server takes it", async () => {
    const server = await startTestBridge({ wsPort: false });
    const front = createServer();
    const refusals = [401, 404, 403];
    const seen: number[] = [];
    front.on("upgrade", (req, socket, head) => {
      const status = refusals.shift();
      if (status === undefined) return void server.handleUpgrade(req, socket, head);
      seen.push(status);
      socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    const { wsUrl } = await listen(front);
    trackLeftover(() => closeHttpServer(front));
    const a = agent(
      wsUrl,
      { execute: async () => ({ message: "ok", data: {} }) },
      {
        backoff: { minDelayMs: 10, maxDelayMs: 20, jitter: 0 },
      },
    );
    await a.ready();
    await waitFor(() => server.hub.size === 1);
    expect(seen).toEqual([401, 404, 403]);
    expect((await server.hub.dispatch({ type: "get_tabs" })).success).toBe(true);
  });
});

describe("BridgeAgent against a scripted server", () => {
  test("accepts bare upstream commands, validates them, answers pings and pings itself", async () => {
    const server = await startTestServer({ path: "/" });
    const conn = server.nextConnection();
    const exec: CommandExecutor = { execute: async (c) => ({ message: `ran ${c.type}`, data: { c } }) };
    const a = agent(server.url, exec, { pingIntervalMs: 30 });
    const c = await conn;
    const got: any[] = [];
    c.ws.on("message", (d) => got.push(JSON.parse(d.toString())));
    c.send(JSON.stringify({ type: "connected", message: "Connected to Local Chrome Server", connection_id: "7" }));
    // Upstream @7bd sends the raw command object, with nulls.
    c.send(JSON.stringify({ command_id: "raw-1", timestamp: null, type: "mouse_move", dx: 1, dy: 2, duration: 0.1 }));
    c.send(JSON.stringify({ type: "command", command: { type: "mouse_move", dx: 99999, dy: 0, command_id: "bad-1" } }));
    c.send(JSON.stringify({ type: "command", command: { type: "teleport", command_id: "bad-2" } }));
    c.send(JSON.stringify({ type: "ping", timestamp: 1 }));
    await waitFor(
      () => got.filter((m) => m.type === "command_response").length === 3 && got.some((m) => m.type === "pong"),
    );
    const byId = Object.fromEntries(got.filter((m) => m.type === "command_response").map((m) => [m.command_id, m]));
    expect(byId["raw-1"]).toEqual({
      type: "command_response",
      success: true,
      command_id: "raw-1",
      message: "ran mouse_move",
      data: { c: { type: "mouse_move", dx: 1, dy: 2, duration: 0.1, command_id: "raw-1" } },
      error: null,
      timestamp: expect.any(Number),
    });
    expect(byId["bad-1"]).toMatchObject({
      success: false,
      message: null,
      data: null,
      error: "Invalid value for 'dx': must be less than or equal to 5000",
    });
    expect(byId["bad-2"]).toMatchObject({ success: false, error: "Unknown command type: teleport" });
    await waitFor(() => got.some((m) => m.type === "ping" && typeof m.timestamp === "number"));
    expect(a.connectionId).toBe("7");
  });
});
