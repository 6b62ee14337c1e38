// The cluster's logic in one process over ws-core's MemoryBus (the Redis tests run real processes and Redis).
import { MemoryBroker, MemoryBus } from "@proj/ws-core/cluster";
import { disposeLeftovers, trackLeftover } from "@proj/ws-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { CardsharpClusterServer, LostTableError } from "../src/server/cluster/index.js";
import { player, playRound, sit } from "./cluster-helpers.js";
import { rawClient } from "./server-helpers.js";

afterEach(disposeLeftovers);

async function member(broker: MemoryBroker, table: string) {
  const bus = new MemoryBus(broker);
  const server = await CardsharpClusterServer.start({
    cluster: { bus, tables: [table], leaseMs: 600 },
    timings: { roundPauseMs: 5 },
  });
  trackLeftover(() => server.close({ graceMs: 100 }));
  const { wsUrl } = await server.listen({ port: 0 });
  return { bus, server, url: wsUrl };
}

describe("cluster over the memory bus", () => {
  it("relays play across instances; a frozen owner's table is taken over after its lease and it can no longer settle", async () => {
    const broker = new MemoryBroker();
    const a = await member(broker, "alpha");
    const b = await member(broker, "beta");
    expect(a.server.casino.ownedTables).toEqual(["alpha"]);
    expect(b.server.casino.ownedTables).toEqual(["beta"]);

    const ann = await player(b.url, "alpha", "ann");
    await sit(ann, "ann", "Ann");
    const r1 = await playRound(ann, "player-ann", 15);
    const balance = r1.results["player-ann"].balance;

    // A freezes: its table stops without releasing the lease (as a process that hangs or is cut off).
    const frozen = a.server.casino.owned("alpha");
    await frozen?.stop(false);
    const moved = await ann.expect("table_moved", () => true, 20_000);
    expect(moved.data).toEqual({ table_id: "alpha", owner: b.bus.instanceId, previous_owner: a.bus.instanceId });
    const back = await ann.expect("connected", (m) => m.data.client_id === "ann", 20_000);
    expect(back.data).toMatchObject({ resumed: true, seat: { player_id: "player-ann", balance } });
    expect(b.server.casino.ownedTables.sort()).toEqual(["alpha", "beta"]);
    // The old owner is fenced off: its settlements are refused.
    await expect(
      b.server.casino.store.settle("alpha", { id: "old:9", deltas: { ann: 100 } }, a.bus.instanceId),
    ).rejects.toBeInstanceOf(LostTableError);

    const r2 = await playRound(ann, "player-ann", 5);
    expect(r2.results["player-ann"].balance).toBe(balance + r2.results["player-ann"].net);
  }, 60_000);

  it("close() hands the tables over at once; lobby requests one at a time; unknown paths get 4404", async () => {
    const broker = new MemoryBroker();
    const a = await member(broker, "alpha");
    const b = await member(broker, "beta");
    const watcher = await player(b.url, "alpha", "w");
    await a.server.close();
    expect((await watcher.expect("table_moved", () => true, 20_000)).data.owner).toBe(b.bus.instanceId);

    const c = await rawClient(b.url);
    c.send({ type: "lobby" });
    c.send({ type: "lobby" });
    const replies = [await c.expect("lobby"), await c.expect("error")];
    expect(replies[1]?.data.code).toBe("LOBBY_BUSY");
    expect(replies[0]?.data.tables.map((t: any) => [t.table_id, t.owner]).sort()).toEqual([
      ["alpha", b.bus.instanceId],
      ["beta", b.bus.instanceId],
    ]);
    expect((await (await rawClient(`${b.url}/elsewhere`)).closed).code).toBe(4404);
    // Binary frames are refused as in single-process mode.
    c.ws.send(Buffer.from([1, 2, 3]));
    expect((await c.expect("error", (m) => m.data.code === "BINARY_NOT_SUPPORTED")).data.code).toBe(
      "BINARY_NOT_SUPPORTED",
    );
  }, 60_000);
});
