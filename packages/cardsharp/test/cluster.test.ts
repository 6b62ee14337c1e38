// One casino served by several real cardsharp-server processes over a real redis-server.
import { disposeLeftovers, startRedis, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { LostTableError } from "../src/server/cluster/index.js";
import { betNext, inspect, player, playRound, sit, startInstance } from "./cluster-helpers.js";
import { rawClient } from "./server-helpers.js";

afterEach(disposeLeftovers);

describe("cardsharp-server --redis", () => {
  it("a client on B plays at a table A runs; a spectator watches it; the lobby lists every instance's tables", async () => {
    const redis = await startRedis();
    const a = await startInstance(redis.url, ["--table", "alpha"]);
    const b = await startInstance(redis.url, ["--table", "beta", "--bots", "1"]);
    expect(a.proc.stdout()).toContain("table alpha: running here");
    expect(b.proc.stdout()).toContain("table beta: running here");

    // Ann is on B, her table runs on A: her actions go to A, A's events and requests come back.
    const ann = await player(b.url, "alpha", "ann");
    await sit(ann, "ann", "Ann");
    const watcher = await player(b.url, "alpha", "watcher");
    const first = await playRound(ann, "player-ann", 10);
    const after = first.results["player-ann"].balance;
    expect(after).toBe(1000 + first.results["player-ann"].net);
    // The spectator (no seat, on B too) saw Ann's bet and the end of her round.
    await watcher.event("PLAYER_BET", (d) => d.player_id === "player-ann" && d.amount === 10, 30_000);
    await watcher.event("ROUND_ENDED", (d) => d.round_id === first.round_id && "player-ann" in d.results, 30_000);
    // A refused action comes back as the owner's error reply, not an ack.
    ann.send({ type: "action", data: { action: "place_bet", data: { amount: 1 } } });
    expect((await ann.expect("error", () => true, 30_000)).data.code).toBe("BET_REJECTED");

    // The bankroll is in Redis, settled with the round.
    const { store } = await inspect(redis.url);
    await waitFor(async () => (await store.load("alpha"))?.bankrolls.ann === Math.round(after * 100), {
      timeoutMs: 30_000,
    });

    // The lobby, asked on A, lists both instances' tables with owners, seats and stakes (before `connect` too).
    const lobbyClient = await rawClient(a.url);
    lobbyClient.send({ type: "lobby" });
    const lobby = (await lobbyClient.expect("lobby", () => true, 30_000)).data;
    expect(lobby.instance).toBe(a.id);
    const byId = Object.fromEntries(lobby.tables.map((t: any) => [t.table_id, t]));
    expect(byId.alpha).toMatchObject({ owner: a.id, path: "/tables/alpha", min_bet: 5, max_bet: 1000, max_seats: 7 });
    expect(byId.alpha.seats).toEqual([{ client_id: "ann", player_name: "Ann" }]);
    expect(byId.beta).toMatchObject({ owner: b.id, bots: 1, seats: [] });

    // A client on A watches B's table (with its bot) the same way.
    const onA = await player(a.url, "beta", "viewer");
    await onA.event("ROUND_ENDED", (d) => "bot-1" in d.results, 30_000);
    // A table the casino does not have: closed with 4404.
    const lost = await rawClient(`${b.url}/tables/nowhere`);
    expect((await lost.closed).code).toBe(4404);

    await Promise.all([a.proc.stop(), b.proc.stop()]);
    await redis.close();
  }, 180_000);

  it("owner SIGKILLed: another instance resumes the table with bankrolls intact; seated clients are told", async () => {
    const redis = await startRedis();
    const a = await startInstance(redis.url, ["--table", "alpha"]);
    const b = await startInstance(redis.url, ["--table", "beta"]);
    const c = await startInstance(redis.url, ["--table", "gamma"]);
    const ann = await player(b.url, "alpha", "ann");
    await sit(ann, "ann", "Ann");
    const bob = await player(c.url, "alpha", "bob");
    await sit(bob, "bob", "Bob");
    const [ra] = await Promise.all([playRound(ann, "player-ann", 20), playRound(bob, "player-bob", 30)]);
    const annBalance = ra.results["player-ann"].balance;
    const bobBalance = ra.results["player-bob"].balance;

    // Mid-round (Ann has bet again and waits on a decision, or the round is dealt), A dies without a word.
    await betNext(ann, 50);
    await ann.event("PLAYER_BET", (d) => d.player_id === "player-ann" && d.amount === 50, 30_000);
    a.proc.child.kill("SIGKILL");
    await a.proc.exit;

    // B or C takes alpha over within the lease; each seated client is told, then resumed with its bankroll.
    const moved = (await ann.expect("table_moved", () => true, 30_000)).data;
    expect(moved).toMatchObject({ table_id: "alpha", previous_owner: a.id });
    expect([b.id, c.id]).toContain(moved.owner);
    const annBack = await ann.expect("connected", (m) => m.data.client_id === "ann", 30_000);
    expect(annBack.data.resumed).toBe(true);
    // The round cut short is void: Ann's 50 comes back; her bankroll is the one settled before.
    expect(annBack.data.seat).toMatchObject({ player_id: "player-ann", player_name: "Ann", balance: annBalance });
    expect((await bob.expect("table_moved", () => true, 30_000)).data.owner).toBe(moved.owner);
    const bobBack = await bob.expect("connected", (m) => m.data.client_id === "bob", 30_000);
    expect(bobBack.data.seat.balance).toBe(bobBalance);
    const newOwner = moved.owner === b.id ? b : c;
    await newOwner.proc.line(/^table alpha: taken over from /, 10_000);

    // Play goes on at the new owner, from the intact bankrolls.
    const [rb] = await Promise.all([playRound(ann, "player-ann", 10), playRound(bob, "player-bob", 10)]);
    expect(rb.results["player-ann"].balance).toBe(annBalance + rb.results["player-ann"].net);
    expect(rb.results["player-bob"].balance).toBe(bobBalance + rb.results["player-bob"].net);
    const { store } = await inspect(redis.url);
    await waitFor(
      async () => (await store.load("alpha"))?.bankrolls.ann === Math.round(rb.results["player-ann"].balance * 100),
      { timeoutMs: 30_000 },
    );
    expect((await store.load("alpha"))?.owner).toBe(moved.owner);

    await Promise.all([b.proc.stop(), c.proc.stop()]);
    await redis.close();
  }, 240_000);

  it("Redis restarted mid-run (empty): the owner writes the table back, play across instances resumes", async () => {
    const redis = await startRedis();
    const a = await startInstance(redis.url, ["--table", "alpha"]);
    const b = await startInstance(redis.url, ["--table", "beta"]);
    const ann = await player(b.url, "alpha", "ann");
    await sit(ann, "ann", "Ann");
    const r1 = await playRound(ann, "player-ann", 25);
    const balance = r1.results["player-ann"].balance;
    const { store, bus } = await inspect(redis.url);
    await waitFor(async () => (await store.load("alpha"))?.rounds_settled === 1, { timeoutMs: 30_000 });

    await redis.restart();
    await a.proc.line(/Redis back/, 60_000);
    await b.proc.line(/Redis back/, 60_000);
    // Redis came back empty: A takes its lease again and writes alpha (and its bankrolls) back; B's beta too.
    await waitFor(() => bus.connected, { timeoutMs: 30_000 });
    await waitFor(async () => (await store.load("alpha"))?.bankrolls.ann === Math.round(balance * 100), {
      timeoutMs: 30_000,
    });
    await waitFor(async () => (await store.tableIds()).sort().join() === "alpha,beta", { timeoutMs: 30_000 });
    expect(await bus.leaseOwner("cardsharp:table:alpha")).toBe(a.id);

    // Ann (on B) plays on at A; the settlement lands in the rewritten record.
    const r2 = await playRound(ann, "player-ann", 10);
    expect(r2.results["player-ann"].balance).toBe(balance + r2.results["player-ann"].net);
    await waitFor(async () => (await store.load("alpha"))?.rounds_settled === 2, { timeoutMs: 30_000 });
    const lobbyClient = await rawClient(b.url);
    lobbyClient.send({ type: "lobby" });
    const lobby = (await lobbyClient.expect("lobby", () => true, 30_000)).data;
    expect(lobby.tables.map((t: any) => [t.table_id, t.owner]).sort()).toEqual([
      ["alpha", a.id],
      ["beta", b.id],
    ]);

    await Promise.all([a.proc.stop(), b.proc.stop()]);
    await redis.close();
  }, 240_000);
});

describe("settlement in Redis", () => {
  it("is exactly once: a retried settlement (same id), even concurrent, pays once; only the owner settles", async () => {
    const redis = await startRedis();
    const { store, bus } = await inspect(redis.url);
    await store.update("t", () => ({
      id: "t",
      owner: bus.instanceId,
      epoch: "e1",
      config: { startingBalance: 1000 },
      seats: [],
      bankrolls: {},
      settled: [],
      rounds_settled: 0,
      min_bet: 5,
      max_bet: 1000,
    }));
    const s = { id: "e1:1", deltas: { ann: 1500, bob: -1000 } };
    await store.settle("t", s, bus.instanceId);
    // The retry (the reply of the first was lost, say) and two more at once: nothing more is paid.
    await Promise.all([
      store.settle("t", s, bus.instanceId),
      store.settle("t", s, bus.instanceId),
      store.settle("t", s, bus.instanceId),
    ]);
    let r = await store.load("t");
    expect(r?.bankrolls).toEqual({ ann: 101_500, bob: 99_000 });
    expect(r?.rounds_settled).toBe(1);
    // The next round (another id) is paid, concurrent with a retry of the first.
    await Promise.all([
      store.settle("t", { id: "e1:2", deltas: { ann: -500 } }, bus.instanceId),
      store.settle("t", s, bus.instanceId),
    ]);
    r = await store.load("t");
    expect(r?.bankrolls).toEqual({ ann: 101_000, bob: 99_000 });
    expect(r?.settled).toEqual(["e1:1", "e1:2"]);
    // An instance that is not the owner (an old owner still running) cannot settle.
    await expect(store.settle("t", { id: "e0:9", deltas: { ann: 1 } }, "someone-else")).rejects.toBeInstanceOf(
      LostTableError,
    );
    await redis.close();
  }, 60_000);
});
