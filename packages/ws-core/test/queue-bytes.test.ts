import type { Socket } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { connectTestClient, disposeLeftovers, startTestServer } from "../src/testing/index.js";

afterEach(disposeLeftovers);

describe("drop backlog bounded in bytes (maxQueueBytes)", () => {
  test("a stalled peer's backlog stays under maxQueueBytes (plus the newest message); the newest still arrives", async () => {
    const server = await startTestServer({
      slowConsumer: { policy: "drop", highWaterMark: 64 * 1024, maxQueue: 10_000, maxQueueBytes: 256 * 1024 },
    });
    const next = server.nextConnection();
    const slow = await connectTestClient(server.url);
    const conn = await next;
    (slow.ws as unknown as { _socket: Socket })._socket.pause();
    const chunk = "z".repeat(32 * 1024);
    let peak = 0;
    for (let i = 0; i < 400; i++) {
      server.endpoint.broadcast(`${i}:${chunk}`);
      peak = Math.max(peak, conn.backlogBytes);
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(peak).toBeLessThanOrEqual(256 * 1024 + chunk.length + 8);
    expect(conn.backlog).toBeLessThan(10);
    expect(conn.stats.dropped).toBeGreaterThan(0);
    (slow.ws as unknown as { _socket: Socket })._socket.resume();
    await slow.next((m) => String(m).startsWith("399:"), 10_000);
  });

  test("a single message larger than the bound is kept (it replaces the backlog)", async () => {
    const server = await startTestServer({
      slowConsumer: { policy: "drop", highWaterMark: 64 * 1024, maxQueue: 100, maxQueueBytes: 10 },
    });
    const next = server.nextConnection();
    const peer = await connectTestClient(server.url);
    const conn = await next;
    (peer.ws as unknown as { _socket: Socket })._socket.pause();
    // Fill the socket until frames start to wait in the backlog.
    const fill = "f".repeat(32 * 1024);
    while (conn.backlog === 0) {
      conn.send(fill);
      await new Promise((r) => setImmediate(r));
    }
    conn.send("a".repeat(100));
    conn.send("b".repeat(100));
    expect(conn.backlog).toBe(1);
    expect(conn.backlogBytes).toBe(100);
    (peer.ws as unknown as { _socket: Socket })._socket.resume();
    await peer.next((m) => String(m) === "b".repeat(100), 10_000);
  });
});
