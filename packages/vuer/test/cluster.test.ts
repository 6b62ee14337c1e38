// One Vuer scene across instances: a real redis-server, Vuer instances in this process and example servers
// as child processes.
import { fileURLToPath } from "node:url";
import { type ClusterBus, MemoryBroker, MemoryBus, RedisBus } from "@proj/ws-core/cluster";
import { disposeLeftovers, spawnScript, startRedis, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame, type ServerEvent } from "../src/index.js";
import { Box, DefaultScene } from "../src/schemas/index.js";
import type { Vuer } from "../src/server/index.js";
import { nodesOf, type RawPeer, rawPeer, startVuer } from "./helpers.js";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

async function redisBus(url: string): Promise<ClusterBus> {
  const bus = await RedisBus.connect({ url, log: () => {} });
  trackLeftover(() => bus.close());
  return bus;
}

async function member(bus: ClusterBus, scene = "s") {
  const v = await startVuer({ cluster: { bus, scene } });
  v.app.spawn(async (session) => {
    await session.till("INIT");
    v.app.scene.subscribe(session);
    await session.forever();
  });
  await v.app.sharedScene?.ready;
  return v;
}

const sceneBytes = (app: Vuer) => Buffer.from(encodeFrame(app.scene.graph.scene)).toString("hex");

for (const kind of ["redis", "memory"] as const) {
  describe(`shared scene over the ${kind} bus`, () => {
    it("interleaved concurrent ops from two instances converge; viewers on both see the same order", async () => {
      let buses: ClusterBus[];
      if (kind === "redis") {
        const redis = await startRedis();
        buses = [await redisBus(redis.url), await redisBus(redis.url), await redisBus(redis.url)];
      } else {
        const broker = new MemoryBroker();
        buses = [new MemoryBus(broker), new MemoryBus(broker), new MemoryBus(broker)];
      }
      const a = await member(buses[0] as ClusterBus);
      const b = await member(buses[1] as ClusterBus);
      a.app.scene.set(DefaultScene({ key: "scene" }));
      await a.app.sharedScene?.flush();
      const va = await rawPeer(a.url);
      const vb = await rawPeer(b.url);
      await va.nextEvent((e) => e.etype === "SET", 20_000);
      await vb.nextEvent((e) => e.etype === "SET", 20_000);

      // Both instances fire ops without waiting for each other: the same keys from both sides too.
      for (let i = 0; i < 30; i++) {
        a.app.scene.upsert(Box({ key: `a${i}`, position: [i, 0.5, 0] }));
        b.app.scene.upsert(Box({ key: `b${i}`, position: [0, i + 0.25, 0] }));
        if (i % 5 === 0) {
          a.app.scene.upsert(Box({ key: "shared", position: [1, i, 0] }));
          b.app.scene.upsert(Box({ key: "shared", position: [2, i, 0] }));
        }
      }
      a.app.scene.remove("a3");
      b.app.scene.update(Box({ key: "b7", color: "red" }));
      await Promise.all([a.app.sharedScene?.flush(), b.app.sharedScene?.flush()]);
      const total = 1 + 60 + 12 + 2;
      await a.app.sharedScene?.waitForVersion(total);
      await b.app.sharedScene?.waitForVersion(total);
      expect(a.app.sharedScene?.version).toBe(total);
      expect(sceneBytes(a.app)).toBe(sceneBytes(b.app));
      const keys = [...a.app.scene.graph.nodes()].map((n) => n.key);
      for (let i = 0; i < 30; i++) {
        if (i !== 3) expect(keys).toContain(`a${i}`);
        expect(keys).toContain(`b${i}`);
      }
      expect(keys).not.toContain("a3");
      expect(a.app.scene.graph.find("b7")?.color).toBe("red");

      // Viewers on either instance got the same operations in the same order.
      const seq = async (p: RawPeer) => {
        const evs: ServerEvent[] = [];
        while (evs.length < total - 1) evs.push(await p.nextEvent((e) => e.etype !== "SET", 20_000));
        return evs.map(
          (e) =>
            `${e.etype}:${nodesOf(e)
              .map((n) => n.key)
              .join(",")}:${JSON.stringify(e.data)}`,
        );
      };
      expect(await seq(va)).toEqual(await seq(vb));

      // A late joiner on a third instance gets the current scene from the snapshot, not a replay.
      const c = await member(buses[2] as ClusterBus);
      expect(c.app.sharedScene?.version).toBe(total);
      const vc = await rawPeer(c.url);
      const set = await vc.nextEvent((e) => e.etype === "SET", 20_000);
      expect(Buffer.from(encodeFrame(set.data)).toString("hex")).toBe(sceneBytes(a.app));
      expect(c.app.sharedScene?.stats.applied).toBe(0);
    }, 120_000);
  });
}

describe("example server with --redis", () => {
  it("ops made on instance A reach a late joiner on B (full scene from Redis) and then in order", async () => {
    const redis = await startRedis();
    const start = (extra: string[] = []) =>
      spawnScript("examples/server.ts", ["--port", "0", "--redis", redis.url, "--scene", "lab", ...extra], {
        cwd: pkgDir,
        env: { ...process.env, VUER_CLIENT_URI: "" },
      });
    const a = start();
    const urlA = (await a.line(/^listening on (ws:\S+)$/, 60_000))[1] as string;
    const pa = await rawPeer(urlA);
    await pa.nextEvent((e) => e.etype === "SET", 20_000);
    pa.sendEvent({ etype: "HELLO", value: "hi" });
    for (let i = 1; i <= 5; i++) pa.sendEvent({ etype: "MOVE_BOX", value: { position: [i, 0, 0] } });
    await pa.nextEvent((e) => e.etype === "UPSERT" && nodesOf(e)[0]?.position?.[0] === 5, 20_000);

    const b = start();
    const urlB = (await b.line(/^listening on (ws:\S+)$/, 60_000))[1] as string;
    expect(b.stdout()).toMatch(/shared scene "lab" at version 7/);
    const pb = await rawPeer(urlB);
    const set = await pb.nextEvent((e) => e.etype === "SET", 20_000);
    expect(JSON.stringify(set.data)).toContain('"key":"box"');
    expect(JSON.stringify(set.data)).toContain('"position":[5,0,0]');

    for (let i = 6; i <= 10; i++) pa.sendEvent({ etype: "MOVE_BOX", value: { position: [i, 0, 0] } });
    const seen: number[] = [];
    while (seen.at(-1) !== 10) {
      const ev = await pb.nextEvent((e) => e.etype === "UPSERT", 20_000);
      seen.push(nodesOf(ev)[0]?.position?.[0]);
    }
    expect(seen).toEqual([6, 7, 8, 9, 10]);
    await Promise.all([a.stop(), b.stop()]);
    await redis.close();
  }, 120_000);
});

describe("shared scene when Redis restarts", () => {
  it("keeps serving local viewers while Redis is down, counts what stayed local, and converges when it is back", async () => {
    const redis = await startRedis();
    const busA = await redisBus(redis.url);
    const busB = await redisBus(redis.url);
    const a = await member(busA);
    const b = await member(busB);
    a.app.scene.set(DefaultScene({ key: "scene" }));
    a.app.scene.upsert(Box({ key: "box", position: [1, 0, 0] }));
    await a.app.sharedScene?.flush();
    await b.app.sharedScene?.waitForVersion(2);
    const va = await rawPeer(a.url);
    await va.nextEvent((e) => e.etype === "SET", 20_000);

    const down = new Promise((r) => busA.once("down", r));
    await redis.stop();
    await down;
    a.app.scene.upsert(Box({ key: "box", position: [2, 0, 0] }));
    // A's own viewer still gets it.
    const local = await va.nextEvent((e) => e.etype === "UPSERT", 20_000);
    expect(nodesOf(local)[0]?.position).toEqual([2, 0, 0]);
    await a.app.sharedScene?.flush();
    expect(a.app.sharedScene?.stats.unpublished).toBe(1);

    // Redis comes back empty: one instance writes its copy, both adopt the stored scene, viewers get a SET.
    const reloadsBefore = a.app.sharedScene?.stats.reloads ?? 0;
    const reloadA = () => (a.app.sharedScene?.stats.reloads ?? 0) > reloadsBefore;
    await redis.restart();
    await waitFor(() => busA.connected && busB.connected, { timeoutMs: 30_000 });
    await waitFor(reloadA, { timeoutMs: 30_000 });
    await waitFor(() => sceneBytes(a.app) === sceneBytes(b.app), { timeoutMs: 30_000 });
    await va.nextEvent((e) => e.etype === "SET", 20_000);

    // And ops flow between the instances again.
    b.app.scene.upsert(Box({ key: "box", position: [3, 0, 0] }));
    await b.app.sharedScene?.flush();
    const after = await va.nextEvent((e) => e.etype === "UPSERT" && nodesOf(e)[0]?.position?.[0] === 3, 20_000);
    expect(nodesOf(after)[0]?.key).toBe("box");
    await waitFor(() => sceneBytes(a.app) === sceneBytes(b.app), { timeoutMs: 30_000 });
  }, 120_000);
});
