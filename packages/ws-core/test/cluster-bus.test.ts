// The ClusterBus contract, run against a real redis-server and against the in-memory bus.
import { afterEach, describe, expect, it } from "vitest";
import { type ClusterBus, MemoryBroker, MemoryBus, RedisBus } from "../src/cluster/index.js";
import { disposeLeftovers, startRedis, waitFor } from "../src/testing/index.js";

afterEach(disposeLeftovers);

type Pair = { a: ClusterBus; b: ClusterBus; close(): Promise<void> };

const kinds: Record<string, () => Promise<Pair>> = {
  redis: async () => {
    // Each test gets its own server (afterEach's disposeLeftovers stops it).
    const redis = await startRedis();
    const prefix = "t:";
    const a = await RedisBus.connect({ url: redis.url, prefix, log: () => {} });
    const b = await RedisBus.connect({ url: redis.url, prefix, log: () => {} });
    return {
      a,
      b,
      close: async () => {
        await Promise.all([a.close(), b.close()]);
        await redis.close();
      },
    };
  },
  memory: async () => {
    const broker = new MemoryBroker();
    const a = new MemoryBus(broker);
    const b = new MemoryBus(broker);
    return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
  },
};

for (const [kind, make] of Object.entries(kinds)) {
  describe(`${kind} bus`, () => {
    it("publishes to subscribers on every instance, in order, binary intact", async () => {
      const { a, b, close } = await make();
      const got: string[] = [];
      const bin: Buffer[] = [];
      await b.subscribe("c1", (m) => got.push(m.toString()));
      await a.subscribe("c1", (m) => got.push(`a:${m.toString()}`));
      await b.subscribe("bin", (m) => bin.push(m));
      for (let i = 0; i < 50; i++) expect(await a.publish("c1", `m${i}`)).toBe(true);
      await a.publish("bin", new Uint8Array([0, 255, 1]));
      await waitFor(() => got.length === 100 && bin.length === 1, { timeoutMs: 10_000 });
      expect(got.filter((m) => !m.startsWith("a:"))).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
      expect([...(bin[0] ?? [])]).toEqual([0, 255, 1]);
      expect(a.stats.published).toBe(51);
      await close();
    });

    it("unsubscribes", async () => {
      const { a, b, close } = await make();
      const got: string[] = [];
      const off = await b.subscribe("c2", (m) => got.push(m.toString()));
      await a.publish("c2", "one");
      await waitFor(() => got.length === 1, { timeoutMs: 10_000 });
      await off();
      // A second subscriber proves the later message was sent and delivered, just not to the removed handler.
      const other: string[] = [];
      await b.subscribe("c2", (m) => other.push(m.toString()));
      await a.publish("c2", "two");
      await waitFor(() => other.length === 1, { timeoutMs: 10_000 });
      expect(got).toEqual(["one"]);
      await close();
    });

    it("compare-and-set: only the writer holding the current version wins", async () => {
      const { a, b, close } = await make();
      expect(await a.get("k")).toBeUndefined();
      expect(await a.compareAndSet("k", 0, "first")).toEqual({ ok: true, version: 1 });
      expect(await b.compareAndSet("k", 0, "late")).toEqual({ ok: false, version: 1 });
      expect(await b.get("k")).toEqual({ value: "first", version: 1 });
      // Concurrent increments with retry all land exactly once.
      const inc = async (bus: ClusterBus) => {
        for (;;) {
          const cur = await bus.get("n");
          const r = await bus.compareAndSet("n", cur?.version ?? 0, String(Number(cur?.value ?? 0) + 1));
          if (r.ok) return;
        }
      };
      await Promise.all(Array.from({ length: 20 }, (_, i) => inc(i % 2 ? a : b)));
      expect((await a.get("n"))?.value).toBe("20");
      await a.delete("k");
      expect(await b.get("k")).toBeUndefined();
      await close();
    });

    it("leases: one owner, renewal only by the owner, expiry frees it", async () => {
      const { a, b, close } = await make();
      expect(await a.acquireLease("table", 300)).toBe(true);
      expect(await b.acquireLease("table", 300)).toBe(false);
      expect(await a.leaseOwner("table")).toBe(a.instanceId);
      expect(await b.renewLease("table", 300)).toBe(false);
      expect(await a.renewLease("table", 300)).toBe(true);
      await waitFor(async () => (await b.leaseOwner("table")) === undefined, { timeoutMs: 10_000 });
      expect(await a.renewLease("table", 300)).toBe(false);
      expect(await b.acquireLease("table", 10_000)).toBe(true);
      await a.releaseLease("table");
      expect(await a.leaseOwner("table")).toBe(b.instanceId);
      await b.releaseLease("table");
      expect(await a.leaseOwner("table")).toBeUndefined();
      await close();
    });
  });
}

describe("redis bus outage", () => {
  it("counts what it cannot publish, logs once per outage, reconnects and reports when Redis returns", async () => {
    const own = await startRedis();
    const lines: string[] = [];
    const bus = await RedisBus.connect({
      url: own.url,
      log: (l) => lines.push(l),
      backoff: { baseMs: 20, maxMs: 200 },
    });
    const events: string[] = [];
    bus.on("down", () => events.push("down"));
    bus.on("up", () => events.push("up"));
    const got: string[] = [];
    await bus.subscribe("c", (m) => got.push(m.toString()));
    await own.stop();
    await waitFor(() => events.includes("down"), { timeoutMs: 15_000 });
    expect(await bus.publish("c", "lost-1")).toBe(false);
    expect(await bus.publish("c", "lost-2")).toBe(false);
    await expect(bus.get("k")).rejects.toThrow(/unreachable|closed/);
    expect(bus.stats.unpublished).toBe(2);
    await own.restart();
    await waitFor(() => events.includes("up"), { timeoutMs: 20_000 });
    // The subscription came back with the connection.
    await waitFor(
      async () => {
        await bus.publish("c", "after");
        return got.includes("after");
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(events.filter((e) => e === "down")).toHaveLength(1);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/2 message\(s\) could not be published/);
    expect(bus.stats.reconnects).toBe(1);
    await bus.close();
    await own.close();
  }, 60_000);

  it("refuses an unreachable Redis at connect with a typed error", async () => {
    const own = await startRedis();
    const url = own.url;
    await own.close();
    await expect(RedisBus.connect({ url, connectTimeoutMs: 500, log: () => {} })).rejects.toThrow(/not reachable/);
  }, 30_000);
});

describe("redis bus publishing", () => {
  it("sends a tick's publishes in one write, in order, and each later tick's on its own", async () => {
    const own = await startRedis();
    const a = await RedisBus.connect({ url: own.url, log: () => {} });
    const b = await RedisBus.connect({ url: own.url, log: () => {} });
    const got: string[] = [];
    await b.subscribe("burst", (m) => got.push(m.toString()));
    // What the command socket hands the kernel: one writev per uncorked batch (or a write for a lone chunk).
    const stream = a.cmd.stream as unknown as {
      _writev(chunks: unknown[], cb: () => void): void;
      _write(chunk: unknown, enc: string, cb: () => void): void;
    };
    const batches: number[] = [];
    const writev = stream._writev.bind(stream);
    const write = stream._write.bind(stream);
    stream._writev = (chunks, cb) => {
      batches.push(chunks.length);
      writev(chunks, cb);
    };
    stream._write = (chunk, enc, cb) => {
      batches.push(1);
      write(chunk, enc, cb);
    };
    const sent = Array.from({ length: 20 }, (_, i) => a.publish("burst", `m${i}`));
    expect(batches).toEqual([]); // held until the tick ends
    expect(await Promise.all(sent)).toEqual(Array(20).fill(true));
    expect(batches).toEqual([20]);
    expect(await a.publish("burst", "later")).toBe(true);
    expect(batches).toEqual([20, 1]);
    await waitFor(() => got.length === 21, { timeoutMs: 10_000 });
    expect(got).toEqual([...Array.from({ length: 20 }, (_, i) => `m${i}`), "later"]);
    await Promise.all([a.close(), b.close()]);
    await own.close();
  }, 30_000);
});
