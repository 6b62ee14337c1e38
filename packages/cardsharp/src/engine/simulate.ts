import { BlackjackEngine, type SettledHand } from "./engine.js";
import { type Rules, resolveRules } from "./rules.js";
import { basicStrategy, type Strategy } from "./strategy/basic-strategy.js";
import { HiLoCounter, hiLoStrategy } from "./strategy/hi-lo.js";

/** `basic`: flat bets, basic strategy. `hilo`: Hi-Lo true count, the 1-4-8-12-20 ramp, Illustrious 18 and Fab 4. */
export type SimulationStrategy = "basic" | "hilo";

export interface SimulationOptions {
  rules?: Partial<Rules>;
  /** The run is a function of (seed, hands, shardHands, rules, seats, strategy, bet): same inputs, same numbers. */
  seed?: number | string;
  /** Rounds to deal; every seat plays one hand (plus its splits) per round. */
  hands: number;
  /** Seats at the table, all playing the same strategy. Default 1. */
  seats?: number;
  /** A name, or a decision function (played with flat bets). Default `basic`. */
  strategy?: SimulationStrategy | Strategy;
  /** The betting unit (the flat bet; the ramp's 1). Default the table minimum. */
  bet?: number;
  /**
   * Rounds per shard. The run is cut into shards of this many rounds (the last one shorter), each dealt from its
   * own shoe seeded by `shardSeed(seed, i)`; results are merged in shard order, so how many workers run the
   * shards never changes a number. Default 100,000.
   */
  shardHands?: number;
  /** Run only shards `from` (inclusive) to `to` (exclusive) and return their tallies (what a worker does). */
  shardRange?: { from: number; to: number };
  /** Called after each shard with the rounds done so far (in this call). */
  onProgress?: (roundsDone: number) => void;
  /** Called with each shard's own tallies (a worker sends these; the caller merges every shard in order). */
  onShard?: (shard: number, table: Tally, seats: Tally[]) => void;
}

export interface OutcomeCounts {
  win: number;
  loss: number;
  push: number;
  /** Naturals paid as such (also counted in `win`). */
  blackjack: number;
  surrender: number;
  /** Busted hands (also counted in `loss`). */
  bust: number;
  doubled: number;
  /** Hands played from splits. */
  split: number;
}

/** Raw sums of one sample stream (money in units of the bet); merged by adding field by field in shard order. */
export interface Tally {
  /** Samples: rounds (table) or hands dealt to the seat (per seat). */
  n: number;
  /** Settled hands, splits included. */
  settled: number;
  wageredCents: number;
  netCents: number;
  /** Sums over samples of x², x·w and w² with x = net and w = initial wager, in bet units. */
  sxx: number;
  sxw: number;
  sww: number;
  outcomes: OutcomeCounts;
}

export interface Figures {
  /** Samples: rounds for the table, initial hands for a seat. */
  hands: number;
  settledHands: number;
  /** Sum of initial bets. */
  wagered: number;
  /** Net win of the player(s) (negative: the house won). */
  net: number;
  /** -net / wagered, percent. */
  houseEdgePercent: number;
  /** Standard error of the edge (ratio estimator), percent. */
  standardErrorPercent: number;
  /** houseEdgePercent ± 1.96 standard errors. */
  ci95Percent: [number, number];
  /** Variance of the net per sample, in squared betting units. */
  variancePerHand: number;
  /** Its square root. */
  sdPerHand: number;
  /** Net per 100 samples, in betting units. */
  unitsPer100: number;
  outcomes: OutcomeCounts;
  /** Outcomes per settled hand. */
  rates: Record<keyof OutcomeCounts, number>;
}

export interface SimulationResult extends Figures {
  seed: number | string;
  rounds: number;
  seats: number;
  strategy: string;
  shards: number;
  shardHands: number;
  perSeat: Figures[];
  /** The raw sums (for merging partial runs: `mergeTallies`, `figures`). */
  tally: Tally;
  seatTallies: Tally[];
}

const DEFAULT_SHARD = 100_000;

/** Shard 0 uses `seed` itself (a one-shard run is the plain engine with that seed); shard i > 0 `${seed}#${i}`. */
export function shardSeed(seed: number | string, shard: number): number | string {
  return shard === 0 ? seed : `${seed}#${shard}`;
}

export function emptyTally(): Tally {
  return {
    n: 0,
    settled: 0,
    wageredCents: 0,
    netCents: 0,
    sxx: 0,
    sxw: 0,
    sww: 0,
    outcomes: { win: 0, loss: 0, push: 0, blackjack: 0, surrender: 0, bust: 0, doubled: 0, split: 0 },
  };
}

/** Adds `b` into `a` (call in shard order for bit-identical floats). */
export function mergeTallies(a: Tally, b: Tally): Tally {
  a.n += b.n;
  a.settled += b.settled;
  a.wageredCents += b.wageredCents;
  a.netCents += b.netCents;
  a.sxx += b.sxx;
  a.sxw += b.sxw;
  a.sww += b.sww;
  for (const k of Object.keys(a.outcomes) as Array<keyof OutcomeCounts>) a.outcomes[k] += b.outcomes[k];
  return a;
}

/** The reported figures of a tally. `unitCents` is the betting unit. */
export function figures(t: Tally, unitCents: number): Figures {
  const n = Math.max(1, t.n);
  const r = t.wageredCents > 0 ? t.netCents / t.wageredCents : 0;
  const meanW = t.wageredCents / unitCents / n;
  const meanX = t.netCents / unitCents / n;
  // Ratio estimator: Var(x - r w) / n, divided by the mean wager.
  const resid = Math.max(0, (t.sxx - 2 * r * t.sxw + r * r * t.sww) / n);
  const se = meanW > 0 ? Math.sqrt(resid / n) / meanW : 0;
  const edge = -r * 100;
  const variance = Math.max(0, t.sxx / n - meanX * meanX);
  const settled = Math.max(1, t.settled);
  const rates = {} as Record<keyof OutcomeCounts, number>;
  for (const k of Object.keys(t.outcomes) as Array<keyof OutcomeCounts>) rates[k] = t.outcomes[k] / settled;
  return {
    hands: t.n,
    settledHands: t.settled,
    wagered: t.wageredCents / 100,
    net: t.netCents / 100,
    houseEdgePercent: edge,
    standardErrorPercent: se * 100,
    ci95Percent: [edge - 1.96 * se * 100, edge + 1.96 * se * 100],
    variancePerHand: variance,
    sdPerHand: Math.sqrt(variance),
    unitsPer100: meanX * 100,
    outcomes: { ...t.outcomes },
    rates,
  };
}

function addSample(t: Tally, netCents: number, wagerCents: number, unitCents: number): void {
  const x = netCents / unitCents;
  const w = wagerCents / unitCents;
  t.n++;
  t.netCents += netCents;
  t.wageredCents += wagerCents;
  t.sxx += x * x;
  t.sxw += x * w;
  t.sww += w * w;
}

function countHand(t: Tally, h: SettledHand): void {
  const o = t.outcomes;
  t.settled++;
  if (h.result === "win") o.win++;
  else if (h.result === "lose") o.loss++;
  else if (h.result === "push") o.push++;
  else o.surrender++;
  if (h.blackjack) o.blackjack++;
  if (h.busted) o.bust++;
  if (h.doubled) o.doubled++;
  if (h.fromSplit) o.split++;
}

/** Plays one shard: `rounds` rounds from a fresh shoe seeded by `seed`. */
function runShard(
  options: SimulationOptions,
  rules: Rules,
  seed: number | string,
  rounds: number,
  table: Tally,
  seatTallies: Tally[],
): void {
  const seats = seatTallies.length;
  const unitCents = Math.round((options.bet ?? rules.minBet) * 100);
  const named = typeof options.strategy === "function" ? undefined : (options.strategy ?? "basic");
  const counter = named === "hilo" ? new HiLoCounter(rules.decks) : undefined;
  const ids: string[] = [];
  const index = new Map<string, number>();
  const engine = new BlackjackEngine({
    rules,
    seed,
    gameId: "sim",
    observer: counter,
    onHandSettled: (id, hand) => {
      const i = index.get(id) as number;
      countHand(seatTallies[i] as Tally, hand);
      countHand(table, hand);
    },
  });
  const strategy: Strategy =
    typeof options.strategy === "function"
      ? options.strategy
      : counter
        ? hiLoStrategy(rules, counter)
        : basicStrategy(rules);
  const start = 1e11; // cents: never runs dry
  for (let i = 0; i < seats; i++) {
    const id = engine.addPlayer({ id: `seat-${i + 1}`, name: `Seat ${i + 1}`, balance: start / 100 });
    ids.push(id);
    index.set(id, i);
  }
  const before = new Array<number>(seats).fill(start);
  const wagers = new Array<number>(seats).fill(0);
  const maxCents = Math.round(rules.maxBet * 100);
  for (let r = 0; r < rounds; r++) {
    engine.startRound();
    const units = counter ? counter.betUnits() : 1;
    const wager = Math.min(maxCents, unitCents * units);
    for (let i = 0; i < seats; i++) {
      engine.placeBet(ids[i] as string, wager / 100);
      wagers[i] = wager;
    }
    engine.deal();
    for (let d = engine.decision; d; d = engine.decision) engine.act(d.playerId, strategy(d));
    let roundNet = 0;
    let roundWager = 0;
    for (let i = 0; i < seats; i++) {
      const now = (engine.player(ids[i] as string) as { balanceCents: number }).balanceCents;
      const net = now - (before[i] as number);
      before[i] = now;
      addSample(seatTallies[i] as Tally, net, wagers[i] as number, unitCents);
      roundNet += net;
      roundWager += wagers[i] as number;
    }
    addSample(table, roundNet, roundWager, unitCents);
  }
}

/**
 * Plays `hands` rounds through the engine with events off (the fast path) and reports the house edge with its
 * standard error and 95 % interval, outcome counts and rates, the variance per hand, and per-seat figures.
 */
export function simulate(options: SimulationOptions): SimulationResult {
  const rules = resolveRules(options.rules);
  const seed = options.seed ?? 1;
  const seats = options.seats ?? 1;
  if (!Number.isInteger(seats) || seats < 1 || seats > 7) throw new RangeError("seats must be 1..7");
  if (!Number.isInteger(options.hands) || options.hands < 0) throw new RangeError("hands must be a whole number");
  const shardHands = options.shardHands ?? DEFAULT_SHARD;
  if (!Number.isInteger(shardHands) || shardHands < 1) throw new RangeError("shardHands must be a positive integer");
  const shards = Math.ceil(options.hands / shardHands);
  const from = options.shardRange?.from ?? 0;
  const to = Math.min(shards, options.shardRange?.to ?? shards);
  const table = emptyTally();
  const seatTallies = Array.from({ length: seats }, emptyTally);
  let done = 0;
  for (let s = from; s < to; s++) {
    const rounds = Math.min(shardHands, options.hands - s * shardHands);
    // Each shard is tallied alone and merged in order, so a split across workers adds the same floats.
    const t = emptyTally();
    const st = Array.from({ length: seats }, emptyTally);
    runShard(options, rules, shardSeed(seed, s), rounds, t, st);
    options.onShard?.(s, t, st);
    mergeTallies(table, t);
    for (let i = 0; i < seats; i++) mergeTallies(seatTallies[i] as Tally, st[i] as Tally);
    done += rounds;
    options.onProgress?.(done);
  }
  return report(options, rules, table, seatTallies, shards, shardHands);
}

/** Builds the result from merged tallies (what the CLI does with its workers' tallies). */
export function report(
  options: Pick<SimulationOptions, "seed" | "hands" | "seats" | "strategy" | "bet">,
  rules: Rules,
  table: Tally,
  seatTallies: Tally[],
  shards: number,
  shardHands: number,
): SimulationResult {
  const unitCents = Math.round((options.bet ?? rules.minBet) * 100);
  return {
    ...figures(table, unitCents),
    seed: options.seed ?? 1,
    rounds: table.n,
    seats: seatTallies.length,
    strategy: typeof options.strategy === "function" ? "custom" : (options.strategy ?? "basic"),
    shards,
    shardHands,
    perSeat: seatTallies.map((t) => figures(t, unitCents)),
    tally: table,
    seatTallies,
  };
}

/** Tallies of shards merged into one per stream, in shard order. */
export function mergeShardTallies(parts: Array<{ table: Tally; seats: Tally[] }>): { table: Tally; seats: Tally[] } {
  const table = emptyTally();
  const seats = (parts[0]?.seats ?? []).map(() => emptyTally());
  for (const p of parts) {
    mergeTallies(table, p.table);
    for (let i = 0; i < p.seats.length; i++) mergeTallies(seats[i] as Tally, p.seats[i] as Tally);
  }
  return { table, seats };
}
