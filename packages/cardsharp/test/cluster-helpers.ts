// Cluster tests' parts: a real redis-server, real cardsharp-server processes with --redis, raw clients.
import { fileURLToPath } from "node:url";
import { RedisBus } from "@proj/ws-core/cluster";
import { type ScriptProcess, spawnScript, trackLeftover } from "@proj/ws-core/testing";
import { clusterKeys, TableStore } from "../src/server/cluster/index.js";
import { type Msg, type RawClient, rawClient } from "./server-helpers.js";

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

export interface Instance {
  proc: ScriptProcess;
  url: string;
  id: string;
}

/** One `cardsharp-server --redis` process (quick rounds, short lease); resolves once it listens. */
export async function startInstance(redisUrl: string, args: string[] = []): Promise<Instance> {
  const proc = spawnScript(
    "src/cli/cardsharp-server.ts",
    ["--port", "0", "--redis", redisUrl, "--lease-ms", "1500", "--pause-ms", "20", "--no-auto-seat", ...args],
    { cwd: pkgDir },
  );
  const url = (await proc.line(/^listening on (ws:\S+)$/, 90_000))[1] as string;
  const id = (await proc.line(/^instance (\S+) in the casino/, 5_000))[1] as string;
  return { proc, url, id };
}

/** A store on its own connection, to look at what the casino keeps in Redis. */
export async function inspect(redisUrl: string) {
  const bus = await RedisBus.connect({ url: redisUrl, log: () => {} });
  trackLeftover(() => bus.close());
  return { bus, store: new TableStore(bus, clusterKeys("cardsharp")) };
}

/** A raw client at `table` on an instance, connected (optionally as `clientId`) and subscribed to everything. */
export async function player(url: string, table: string, clientId?: string): Promise<RawClient> {
  const c = await rawClient(`${url}/tables/${table}`);
  await c.connect(clientId);
  await c.subscribe(["*"]);
  return c;
}

/** Sits down (join) and waits for the seat's PLAYER_JOINED. */
export async function sit(c: RawClient, clientId: string, name: string): Promise<void> {
  c.send({ type: "action", data: { action: "join", data: { player_name: name } } });
  await c.event("PLAYER_JOINED", (d) => d.client_id === clientId, 30_000);
}

const betRounds = new WeakMap<RawClient, Set<string>>();

/**
 * Bets `amount` at the next round of the current game opened that this client has not bet in yet; resolves with
 * its ROUND_STARTED.
 */
export async function betNext(c: RawClient, amount: number): Promise<any> {
  const seen = betRounds.get(c) ?? new Set<string>();
  betRounds.set(c, seen);
  // Only rounds of the game the client was last told about (a takeover starts a new game: older rounds are void).
  const game = c
    .all()
    .filter((m) => m.type === "connected" && m.data.state)
    .at(-1)?.data.state.game_id;
  const fresh = (d: any) => d.game_id === game && !seen.has(`${d.game_id}:${d.round_id}`);
  const started = (await c.event("ROUND_STARTED", fresh, 30_000)).data.data;
  seen.add(`${started.game_id}:${started.round_id}`);
  c.send({ type: "action", data: { action: "place_bet", data: { amount } } });
  return started;
}

/**
 * Plays one round to its end: bets `amount` at the next round opened that this client has not bet in yet (a
 * subscribe re-sends the open round's ROUND_STARTED), stands on every request. Resolves with its ROUND_ENDED data.
 */
export async function playRound(c: RawClient, playerId: string, amount: number): Promise<any> {
  try {
    return await play(c, playerId, amount);
  } catch (err) {
    // What the client saw last says where the round got stuck.
    const last = c
      .all()
      .slice(-8)
      .map((m) => JSON.stringify(m).slice(0, 300));
    throw new Error(`${(err as Error).message}; last frames:\n${last.join("\n")}`);
  }
}

async function play(c: RawClient, playerId: string, amount: number): Promise<any> {
  const started = await betNext(c, amount);
  for (;;) {
    const next = await c.nextJson<Msg>(
      (x) =>
        x.type === "action_request" ||
        x.type === "error" ||
        (x.type === "event" &&
          x.data.event_type === "ROUND_ENDED" &&
          x.data.data.game_id === started.game_id &&
          x.data.data.round_id === started.round_id),
      30_000,
    );
    if (next.type === "error") throw new Error(`refused: ${JSON.stringify(next.data)}`);
    if (next.type === "event") {
      if (!(playerId in next.data.data.results)) throw new Error(`round ${started.round_id} ended without ${playerId}`);
      return next.data.data;
    }
    const valid: string[] = next.data.valid_actions;
    const answer = { action: valid.includes("STAND") ? "STAND" : "NO_INSURANCE", request_id: next.data.request_id };
    c.send({ type: "action", data: { action: "player_action", data: answer } });
  }
}
