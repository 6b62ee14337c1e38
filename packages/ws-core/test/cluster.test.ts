// Several real server processes sharing a real redis-server through ClusterHub.
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  connectTestClient,
  disposeLeftovers,
  type ScriptProcess,
  spawnScript,
  startRedis,
  type TestClient,
} from "../src/testing/index.js";

afterEach(disposeLeftovers);

const cwd = fileURLToPath(new URL("..", import.meta.url));

interface Instance {
  proc: ScriptProcess;
  port: number;
  id: string;
  url: string;
}

async function instance(redisUrl: string, leaseMs = 1500): Promise<Instance> {
  const proc = spawnScript("test/fixtures/cluster-server.ts", [redisUrl, String(leaseMs)], { cwd });
  const m = await proc.line(/^listening (\d+) (\S+)$/, 60_000);
  return { proc, port: Number(m[1]), id: m[2] as string, url: `ws://127.0.0.1:${m[1]}/` };
}

const texts = (c: TestClient) => c.received.filter((m): m is string => typeof m === "string" && !m.startsWith("{"));

async function ask<T>(c: TestClient, op: object, key: string): Promise<T> {
  c.send(op);
  return (await c.nextJson<Record<string, T>>((m) => key in m, 20_000))[key] as T;
}

describe("ClusterHub across processes", () => {
  it("broadcasts and room messages reach sockets on every instance once; a killed instance's presence is removed", async () => {
    const redis = await startRedis();
    const [a, b, c] = await Promise.all([instance(redis.url), instance(redis.url), instance(redis.url)]);
    const clients = await Promise.all([a, a, b, b, c, c].map((i) => connectTestClient(i.url)));
    const [a1, a2, b1, b2, c1, c2] = clients as [
      TestClient,
      TestClient,
      TestClient,
      TestClient,
      TestClient,
      TestClient,
    ];

    a1.send({ op: "broadcast", text: "x1" });
    b1.send({ op: "broadcast", text: "x2" });
    for (const cl of clients) {
      await cl.next((m) => m === "x1", 20_000);
      await cl.next((m) => m === "x2", 20_000);
    }
    // A marker after both proves nothing more was coming: every socket got each broadcast exactly once.
    c1.send({ op: "broadcast", text: "end" });
    for (const cl of clients) await cl.next((m) => m === "end", 20_000);
    for (const cl of clients) expect(texts(cl).sort()).toEqual(["end", "x1", "x2"]);

    // Rooms: members on B and C, the sender on A is not a member.
    expect(await ask(b2, { op: "join", room: "r" }, "joined")).toBe("r");
    expect(await ask(c2, { op: "join", room: "r" }, "joined")).toBe("r");
    a2.send({ op: "to", room: "r", text: "room-msg" });
    await b2.next((m) => m === "room-msg", 20_000);
    await c2.next((m) => m === "room-msg", 20_000);
    a2.send({ op: "broadcast", text: "end2" });
    for (const cl of clients) await cl.next((m) => m === "end2", 20_000);
    for (const cl of [a1, a2, b1, c1]) expect(texts(cl)).not.toContain("room-msg");

    // Presence summed over the instances (each writes its own shortly after a change).
    let p = await ask<{ instances: string[]; connections: number; rooms: Record<string, number> }>(
      a1,
      { op: "presence" },
      "presence",
    );
    for (let i = 0; i < 200 && (p.connections !== 6 || p.rooms.r !== 2); i++) {
      p = await ask(a1, { op: "presence" }, "presence");
    }
    expect(p.instances.sort()).toEqual([a.id, b.id, c.id].sort());
    expect(p.connections).toBe(6);
    expect(p.rooms).toEqual({ r: 2 });

    // Instance loss: C is killed outright; its lease runs out and a survivor removes it.
    c.proc.child.kill("SIGKILL");
    await Promise.race([
      a.proc.line(new RegExp(`^lost ${c.id}$`), 30_000),
      b.proc.line(new RegExp(`^lost ${c.id}$`), 30_000),
    ]);
    p = await ask(a1, { op: "presence" }, "presence");
    expect(p.instances.sort()).toEqual([a.id, b.id].sort());
    expect(p.connections).toBe(4);
    expect(p.rooms).toEqual({ r: 1 });
    // Survivors keep talking.
    b1.send({ op: "broadcast", text: "after-loss" });
    await a1.next((m) => m === "after-loss", 20_000);

    await Promise.all([a.proc.stop(), b.proc.stop()]);
    await redis.close();
  }, 180_000);

  it("Redis restarted mid-run: local sockets keep being served, unpublished messages are reported, state resyncs", async () => {
    const redis = await startRedis();
    const [a, b] = await Promise.all([instance(redis.url), instance(redis.url)]);
    const ca = await connectTestClient(a.url);
    const cb = await connectTestClient(b.url);
    ca.send({ op: "broadcast", text: "before" });
    await cb.next((m) => m === "before", 20_000);

    await redis.stop();
    await a.proc.line(/^down$/, 30_000);
    ca.send({ op: "broadcast", text: "during" });
    // Served locally even with Redis gone.
    await ca.next((m) => m === "during", 20_000);
    const stats = await ask<{ unpublished: number }>(ca, { op: "stats" }, "stats");
    expect(stats.unpublished).toBeGreaterThanOrEqual(1);

    await redis.restart();
    const ra = await a.proc.line(/^resync unpublished=(\d+)$/, 60_000);
    await b.proc.line(/^resync unpublished=\d+$/, 60_000);
    expect(Number(ra[1])).toBeGreaterThanOrEqual(1);
    expect(a.proc.stdout()).toMatch(/log cluster bus: Redis back; \d+ message\(s\) could not be published/);
    // One "unreachable" line per outage, however long it lasted.
    expect(a.proc.stdout().match(/Redis unreachable/g)).toHaveLength(1);

    ca.send({ op: "broadcast", text: "after" });
    await cb.next((m) => m === "after", 20_000);
    expect(texts(cb)).toEqual(["before", "after"]);

    // The restarted Redis was empty: registration and presence were written again.
    let p = await ask<{ instances: string[]; connections: number }>(cb, { op: "presence" }, "presence");
    for (let i = 0; i < 200 && p.connections !== 2; i++) p = await ask(cb, { op: "presence" }, "presence");
    expect(p.instances.sort()).toEqual([a.id, b.id].sort());
    expect(p.connections).toBe(2);

    await Promise.all([a.proc.stop(), b.proc.stop()]);
    await redis.close();
  }, 180_000);
});
