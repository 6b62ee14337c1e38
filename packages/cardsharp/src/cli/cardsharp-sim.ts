#!/usr/bin/env node
// cardsharp-sim: plays seeded rounds through the engine and reports the house edge and its statistics.
// With --workers N the shards run on worker threads (this same file, started as a worker); every shard is
// tallied alone and merged in shard order, so the numbers depend on the seed and --shard-hands, never on N.
import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { CliError, intFlag, parseCli, runCli, UsageError } from "@proj/ws-core/cli";
import { type Rules, resolveRules } from "../engine/rules.js";
import {
  type Figures,
  mergeShardTallies,
  report,
  type SimulationOptions,
  type SimulationResult,
  simulate,
  type Tally,
} from "../engine/simulate.js";
import { VERSION } from "./common.js";

type Job = Omit<SimulationOptions, "strategy" | "onProgress" | "onShard" | "shardRange"> & {
  strategy: "basic" | "hilo";
};
type FromWorker =
  | { type: "shard"; shard: number; table: Tally; seats: Tally[]; rounds: number }
  | { type: "error"; message: string };

if (!isMainThread) {
  // Worker: run each shard it is sent and post its tallies back.
  const job = workerData as Job;
  const port = parentPort as NonNullable<typeof parentPort>;
  port.on("message", (shard: number | null) => {
    if (shard === null) return port.close();
    try {
      simulate({
        ...job,
        shardRange: { from: shard, to: shard + 1 },
        onShard: (s, table, seats) => port.postMessage({ type: "shard", shard: s, table, seats, rounds: table.n }),
      });
    } catch (err) {
      port.postMessage({ type: "error", message: (err as Error).message });
    }
  });
} else {
  const spec = {
    name: "cardsharp-sim",
    version: VERSION,
    summary: "simulates blackjack rounds through the engine and reports the house edge with its standard error",
    usage: ["[--hands N] [--decks N] [--h17] [--seats N] [--strategy basic|hilo] [--seed N] [--workers N] [rules]"],
    options: {
      hands: { type: "string", valueName: "N", default: "1000000", description: "rounds to deal" },
      decks: { type: "string", valueName: "N", default: "6", description: "decks in the shoe (1 to 16)" },
      h17: { type: "boolean", description: "the dealer hits soft 17 (default: stands)" },
      seats: { type: "string", valueName: "N", default: "1", description: "seats playing (1 to 7)" },
      strategy: {
        type: "string",
        valueName: "NAME",
        default: "basic",
        description: "basic (flat bets) or hilo (Hi-Lo true count, 1-4-8-12-20 ramp, Illustrious 18, Fab 4)",
      },
      seed: { type: "string", valueName: "N", default: "1", description: "seed (same seed and shards, same numbers)" },
      workers: {
        type: "string",
        valueName: "N",
        default: "1",
        description: "worker threads (the numbers do not depend on it)",
      },
      "shard-hands": {
        type: "string",
        valueName: "N",
        default: "100000",
        description: "rounds per shard; each shard has its own seed derived from --seed",
      },
      bet: { type: "string", valueName: "N", description: "betting unit (default the table minimum)" },
      "min-bet": { type: "string", valueName: "N", default: "5", description: "table minimum" },
      "max-bet": { type: "string", valueName: "N", default: "1000", description: "table maximum (caps the ramp)" },
      penetration: { type: "string", valueName: "F", default: "0.75", description: "share of the shoe dealt (0-1]" },
      "no-surrender": { type: "boolean", description: "no late surrender (default: late surrender allowed)" },
      "early-surrender": { type: "boolean", description: "early surrender (before the dealer's blackjack counts)" },
      csm: { type: "boolean", description: "continuous shuffling machine (every round from a fresh shoe)" },
      burn: { type: "string", valueName: "N", default: "0", description: "cards burned after each shuffle" },
      "hit-split-aces": { type: "boolean", description: "split aces may be hit" },
      "resplit-aces": { type: "boolean", description: "split aces may be resplit" },
      "no-das": { type: "boolean", description: "no double after split" },
      "max-splits": { type: "string", valueName: "N", default: "3", description: "splits per hand (3 = four hands)" },
      "double-on": { type: "string", valueName: "WHICH", default: "any", description: "any, 9-11 or 10-11" },
      "six-five": { type: "boolean", description: "naturals pay 6:5 (default 3:2)" },
      "no-peek": {
        type: "boolean",
        description: "the dealer does not peek (a dealer natural beats doubles and splits)",
      },
      "no-insurance": { type: "boolean", description: "no insurance (Hi-Lo takes it at +3)" },
      json: { type: "boolean", description: "print the result as JSON" },
      progress: { type: "boolean", description: "show the progress bar even when stderr is not a terminal" },
    },
    examples: [
      "cardsharp-sim --hands 1000000 --decks 6 --no-surrender",
      "cardsharp-sim --hands 4000000 --strategy hilo --workers 4 --seed 7",
      "cardsharp-sim --h17 --early-surrender --csm --burn 1 --no-das --max-splits 1 --json",
    ],
  } as const;

  await runCli(spec, async () => {
    const { values } = parseCli(spec);
    const num = (name: string): number | undefined => {
      const raw = values[name];
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n)) {
        throw new UsageError(`--${name} must be a number, got ${JSON.stringify(raw)}`);
      }
      return n;
    };
    const strategy = values.strategy as string;
    if (strategy !== "basic" && strategy !== "hilo") throw new UsageError(`--strategy must be basic or hilo`);
    const doubleOn = values["double-on"] as string;
    if (!["any", "9-11", "10-11"].includes(doubleOn)) throw new UsageError("--double-on must be any, 9-11 or 10-11");
    const partial: Partial<Rules> = {
      decks: intFlag(values, "decks", { min: 1, max: 16 }) as number,
      dealerHitsSoft17: Boolean(values.h17),
      penetration: num("penetration") as number,
      surrender: !values["no-surrender"],
      earlySurrender: Boolean(values["early-surrender"]),
      continuousShuffle: Boolean(values.csm),
      burnCards: intFlag(values, "burn", { max: 52 }) as number,
      hitSplitAces: Boolean(values["hit-split-aces"]),
      resplitAces: Boolean(values["resplit-aces"]),
      doubleAfterSplit: !values["no-das"],
      maxSplits: intFlag(values, "max-splits", { max: 10 }) as number,
      doubleOn: doubleOn as Rules["doubleOn"],
      blackjackPays: values["six-five"] ? 1.2 : 1.5,
      dealerPeek: !values["no-peek"],
      insurance: !values["no-insurance"],
      minBet: num("min-bet") as number,
      maxBet: num("max-bet") as number,
    };
    let rules: Rules;
    try {
      rules = resolveRules(partial);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const job: Job = {
      rules,
      hands: intFlag(values, "hands", { min: 1 }) as number,
      seats: intFlag(values, "seats", { min: 1, max: 7 }) as number,
      strategy,
      seed: intFlag(values, "seed") as number,
      shardHands: intFlag(values, "shard-hands", { min: 1000 }) as number,
      ...(values.bet !== undefined ? { bet: num("bet") as number } : {}),
    };
    const workers = intFlag(values, "workers", { min: 1, max: Math.max(64, availableParallelism() * 4) }) as number;
    const bar = progressBar(job.hands, Boolean(values.progress) || process.stderr.isTTY === true);
    const started = performance.now();
    const result = workers === 1 ? inProcess(job, bar) : await onWorkers(job, workers, bar);
    bar.done();
    const seconds = (performance.now() - started) / 1000;
    if (values.json) process.stdout.write(`${JSON.stringify(publicResult(result), null, 2)}\n`);
    else process.stdout.write(describe(result, rules, workers, seconds));
  });
}

function inProcess(job: Job, bar: ProgressBar): SimulationResult {
  return simulate({ ...job, onProgress: (done) => bar.update(done) });
}

async function onWorkers(job: Job, workers: number, bar: ProgressBar): Promise<SimulationResult> {
  const shardHands = job.shardHands as number;
  const shards = Math.ceil(job.hands / shardHands);
  const parts: Array<{ table: Tally; seats: Tally[] }> = new Array(shards);
  let next = 0;
  let done = 0;
  const pool = Array.from({ length: Math.min(workers, shards) }, () => startWorker(job));
  try {
    await Promise.all(
      pool.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next < shards) w.postMessage(next++);
              else {
                w.postMessage(null);
                resolve();
              }
            };
            w.on("message", (m: FromWorker) => {
              if (m.type === "error") return reject(new CliError(m.message));
              parts[m.shard] = { table: m.table, seats: m.seats };
              done += m.rounds;
              bar.update(done);
              feed();
            });
            w.on("error", reject);
            w.on("exit", (code) => {
              if (code !== 0) reject(new CliError(`a worker exited with ${code}`));
            });
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  const merged = mergeShardTallies(parts);
  return report(job, job.rules as Rules, merged.table, merged.seats, shards, shardHands);
}

/**
 * A worker running this file. Built, it is plain JS; from source (tsx), the worker first registers tsx's
 * loader (Node 20 workers do not inherit the main thread's module hooks).
 */
function startWorker(job: Job): Worker {
  const self = new URL(import.meta.url);
  const loader = process.execArgv.find((a) => /tsx\/dist\/loader\.mjs$/.test(a));
  if (!self.pathname.endsWith(".ts") || !loader) return new Worker(self, { workerData: job });
  const api = loader.replace(/loader\.mjs$/, "esm/api/index.mjs");
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(self.href)}); });`;
  return new Worker(boot, { eval: true, workerData: job });
}

/** The result without the raw tallies. */
function publicResult(r: SimulationResult): Omit<SimulationResult, "tally" | "seatTallies"> {
  const { tally: _t, seatTallies: _s, ...rest } = r;
  return rest;
}

interface ProgressBar {
  update(done: number): void;
  done(): void;
}

/** A one-line bar on stderr (only on a terminal, or with --progress). */
function progressBar(total: number, on: boolean): ProgressBar {
  if (!on) return { update() {}, done() {} };
  const t0 = performance.now();
  let shown = false;
  const draw = (done: number) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    const rate = done / Math.max(1e-3, (performance.now() - t0) / 1000);
    process.stderr.write(
      `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${((done / total) * 100).toFixed(0).padStart(3)}% ${done}/${total} rounds, ${Math.round(rate)} rounds/s`,
    );
    shown = true;
  };
  draw(0);
  return {
    update: draw,
    done() {
      if (shown) process.stderr.write("\n");
    },
  };
}

function pct(x: number, digits = 3): string {
  return `${x.toFixed(digits)} %`;
}

function figuresLines(f: Figures, indent: string): string[] {
  const o = f.outcomes;
  const r = f.rates;
  const rate = (n: number, x: number) => `${n} (${(x * 100).toFixed(2)} %)`;
  return [
    `${indent}house edge     ${pct(f.houseEdgePercent)} ± ${pct(f.standardErrorPercent)} (1 SE); 95 % interval ${pct(f.ci95Percent[0])} to ${pct(f.ci95Percent[1])}`,
    `${indent}wagered        ${f.wagered.toFixed(2)}, net ${f.net.toFixed(2)} (${f.unitsPer100.toFixed(2)} units per 100 hands)`,
    `${indent}per hand       variance ${f.variancePerHand.toFixed(4)}, sd ${f.sdPerHand.toFixed(4)} (units)`,
    `${indent}hands settled  ${f.settledHands}: win ${rate(o.win, r.win)}, loss ${rate(o.loss, r.loss)}, push ${rate(o.push, r.push)}`,
    `${indent}               blackjack ${rate(o.blackjack, r.blackjack)}, surrender ${rate(o.surrender, r.surrender)}, bust ${rate(o.bust, r.bust)}, doubled ${rate(o.doubled, r.doubled)}, from splits ${rate(o.split, r.split)}`,
  ];
}

function describe(r: SimulationResult, rules: Rules, workers: number, seconds: number): string {
  const lines = [
    `cardsharp-sim: ${r.rounds} rounds x ${r.seats} seat(s), strategy ${r.strategy}, seed ${r.seed}, ${r.shards} shard(s) of ${r.shardHands}, ${workers} worker(s), ${seconds.toFixed(1)} s`,
    `rules: ${rules.decks} decks, ${rules.dealerHitsSoft17 ? "H17" : "S17"}, ${rules.doubleAfterSplit ? "DAS" : "no DAS"}, ${rules.earlySurrender ? "early surrender" : rules.surrender ? "late surrender" : "no surrender"}, blackjack pays ${rules.blackjackPays === 1.5 ? "3:2" : rules.blackjackPays === 1.2 ? "6:5" : rules.blackjackPays}, max splits ${rules.maxSplits}${rules.hitSplitAces ? ", hit split aces" : ""}${rules.resplitAces ? ", resplit aces" : ""}${rules.continuousShuffle ? ", CSM" : `, penetration ${rules.penetration}`}${rules.burnCards ? `, burn ${rules.burnCards}` : ""}${rules.dealerPeek ? "" : ", no peek"}`,
    "table (per round, all seats):",
    ...figuresLines(r, "  "),
  ];
  if (r.seats > 1) {
    r.perSeat.forEach((f, i) => {
      lines.push(`seat ${i + 1}:`, ...figuresLines(f, "  "));
    });
  }
  return `${lines.join("\n")}\n`;
}
