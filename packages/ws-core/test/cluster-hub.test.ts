// ClusterHub logic on the in-memory bus: two endpoints in one process, each its own "instance".
import { afterEach, describe, expect, it } from "vitest";
import { ClusterHub, MemoryBroker, MemoryBus } from "../src/cluster/index.js";
import { connectTestClient, disposeLeftovers, startTestServer, waitFor } from "../src/testing/index.js";

afterEach(disposeLeftovers);

async function node(broker: MemoryBroker, leaseMs = 300) {
  const server = await startTestServer();
  const bus = new MemoryBus(broker);
  const hub = await ClusterHub.start({ endpoint: server.endpoint, bus, leaseMs });
  return { server, bus, hub };
}

describe("ClusterHub on MemoryBus", () => {
  it("delivers binary broadcasts and room messages across instances; serialises once per instance", async () => {
    const broker = new MemoryBroker();
    const a = await node(broker);
    const b = await node(broker);
    const b1 = await connectTestClient(b.server.url);
    const b2 = await connectTestClient(b.server.url);
    const a1 = await connectTestClient(a.server.url);
    await waitFor(() => b.server.endpoint.connections.size === 2 && a.server.endpoint.connections.size === 1);
    expect(a.hub.broadcast(new Uint8Array([1, 2, 3]))).toBe(1);
    for (const c of [a1, b1, b2]) expect([...((await c.next(undefined, 10_000)) as Uint8Array)]).toEqual([1, 2, 3]);
    // One bus message per broadcast, received once by B (not once per socket), and A skips its own.
    expect(a.hub.stats.published).toBe(1);
    expect(b.hub.stats.received).toBe(1);
    expect(a.hub.stats.received).toBe(0);

    const [conn] = [...b.server.endpoint.connections];
    if (!conn) throw new Error("no connection");
    await b.hub.join(conn, "room");
    expect(b.hub.roomsOf(conn)).toEqual(["room"]);
    expect(a.hub.to("room", "hello room")).toBe(0);
    await waitFor(() => b1.received.includes("hello room") || b2.received.includes("hello room"), {
      timeoutMs: 10_000,
    });
    expect([...b1.received, ...b2.received].filter((m) => m === "hello room")).toHaveLength(1);
    b.hub.leave(conn, "room");
    expect(b.hub.localMembers("room").size).toBe(0);
    await a.hub.close();
    await b.hub.close();
  });

  it("an instance whose lease lapses is declared lost once and its presence removed", async () => {
    const broker = new MemoryBroker();
    const a = await node(broker);
    const b = await node(broker);
    await connectTestClient(b.server.url);
    await waitFor(async () => (await a.hub.presence()).connections === 1, { timeoutMs: 10_000 });
    const lost: string[] = [];
    a.hub.on("instance-lost", (id) => lost.push(id));
    // B stops renewing (as if killed): its timers are gone but its keys stay until the lease expires.
    await b.bus.close();
    await waitFor(() => lost.length === 1, { timeoutMs: 10_000 });
    expect(lost).toEqual([b.bus.instanceId]);
    expect(await a.hub.presence()).toEqual({ instances: [a.bus.instanceId], connections: 0, rooms: {} });
    await b.hub.close();
    await a.hub.close();
  });

  it("counts broadcasts it could not publish while the broker is down and resyncs when it returns", async () => {
    const broker = new MemoryBroker();
    const a = await node(broker);
    const b = await node(broker);
    const ca = await connectTestClient(a.server.url);
    await waitFor(() => a.server.endpoint.connections.size === 1);
    broker.down();
    expect(a.hub.broadcast("local only")).toBe(1);
    expect(await ca.next(undefined, 10_000)).toBe("local only");
    await waitFor(() => a.hub.stats.unpublished === 1);
    const resynced = new Promise<{ unpublished: number }>((r) => a.hub.once("resync", r));
    broker.up();
    expect(await resynced).toEqual({ unpublished: 1 });
    await waitFor(async () => (await b.hub.presence()).connections === 1, { timeoutMs: 10_000 });
    expect((await b.hub.instances()).sort()).toEqual([a.bus.instanceId, b.bus.instanceId].sort());
    await a.hub.close();
    await b.hub.close();
  });
});
