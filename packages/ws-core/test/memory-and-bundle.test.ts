import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test, vi } from "vitest";
import { ProtocolClient, ReconnectingSocket } from "../src/index.js";
import {
  bundleForBrowser,
  createMemorySocketPair,
  createMemoryTransport,
  disposeLeftovers,
  type MemorySocket,
  waitFor,
} from "../src/testing/index.js";
import { echoCorrelation, echoProtocol } from "./helpers.js";

/** Lets queued microtasks (in-memory deliveries) run without moving fake time. */
async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

afterEach(async () => {
  vi.useRealTimers();
  await disposeLeftovers();
});

describe("in-memory transport", () => {
  test("a socket pair delivers in order, both ways, and closes both ends", async () => {
    const [a, b] = createMemorySocketPair();
    const got: unknown[] = [];
    b.onmessage = (ev) => got.push(ev.data);
    a.send("one");
    a.send(new Uint8Array([7]));
    await waitFor(() => got.length === 2);
    expect(got[0]).toBe("one");
    expect(new Uint8Array(got[1] as ArrayBuffer)).toEqual(new Uint8Array([7]));
    const closed: number[] = [];
    b.onclose = (ev) => closed.push(ev.code);
    a.close(4000, "x");
    await waitFor(() => closed.length === 1);
    expect(closed).toEqual([4000]);
    expect(() => a.send("late")).toThrow();
  });

  test("drives the typed client's request/response logic with no network", async () => {
    const servers: MemorySocket[] = [];
    const WebSocket = createMemoryTransport((server) => {
      servers.push(server);
      server.onmessage = (ev) => {
        const m = JSON.parse(String(ev.data));
        server.send(JSON.stringify({ type: "said", id: m.id, text: m.text.toUpperCase() }));
      };
    });
    const client = new ProtocolClient(echoProtocol, { url: "mem://echo", WebSocket, correlation: echoCorrelation });
    expect(await client.request({ type: "say", id: "1", text: "abc" })).toEqual({ type: "said", id: "1", text: "ABC" });
    expect(servers).toHaveLength(1);
    await client.close();
  });

  test("backoff timing: with fake timers, a retry happens only once its delay has elapsed", async () => {
    vi.useFakeTimers();
    let connections = 0;
    const WebSocket = createMemoryTransport((server) => {
      connections++;
      if (connections === 1) queueMicrotask(() => server.close(1001, "restart"));
    });
    const sock = new ReconnectingSocket({
      url: "mem://x",
      WebSocket,
      backoff: { minDelayMs: 1000, maxDelayMs: 1000, jitter: 0 },
    });
    await settle();
    expect(sock.status).toBe("reconnecting");
    expect(connections).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(connections).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(sock.status).toBe("open");
    expect(connections).toBe(2);
    await sock.close();
  });

  test("the retry count resets only after minUptime", async () => {
    vi.useFakeTimers();
    const servers: MemorySocket[] = [];
    const WebSocket = createMemoryTransport((server) => servers.push(server));
    const sock = new ReconnectingSocket({
      url: "mem://x",
      WebSocket,
      minUptimeMs: 5000,
      backoff: { minDelayMs: 100, maxDelayMs: 100, jitter: 0 },
    });
    await settle();
    expect(sock.status).toBe("open");
    servers.at(-1)!.close(1001);
    await settle();
    expect(sock.attempt).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(sock.status).toBe("open");
    servers.at(-1)!.close(1001); // flapped: up for less than minUptime
    await settle();
    expect(sock.attempt).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(sock.status).toBe("open");
    await vi.advanceTimersByTimeAsync(5000); // stayed up long enough
    servers.at(-1)!.close(1001);
    await settle();
    expect(sock.attempt).toBe(1);
    await sock.close();
  });
});

describe("browser bundle", () => {
  const src = (p: string) => fileURLToPath(new URL(`../src/${p}`, import.meta.url));

  test("the root and client entries bundle for the browser with no ws or node: import", async () => {
    for (const entry of ["index.ts", "client/index.ts"]) {
      const b = await bundleForBrowser(src(entry));
      expect(b.nodeImports).toEqual([]);
      expect(b.inputs.some((i) => i.includes("reconnecting-socket"))).toBe(true);
      expect(b.code).not.toMatch(/from "ws"|require\("ws"\)/);
    }
  });

  test("the check does catch Node imports (the server entry)", async () => {
    const b = await bundleForBrowser(src("server/index.ts"));
    expect(b.nodeImports.some((i) => i.startsWith("ws") || i.startsWith("node:"))).toBe(true);
  });
});
