// The simulator (simulate(), cardsharp-sim), the rules it reaches, and the Hi-Lo index plays.
import { fileURLToPath } from "node:url";
import { disposeLeftovers, spawnScript } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import {
  type Action,
  BlackjackEngine,
  HiLoCounter,
  hiLoStrategy,
  mergeShardTallies,
  parseCards,
  type Rules,
  report,
  resolveRules,
  simulate,
  type Tally,
} from "../src/engine/index.js";
import { stackedTable } from "./engine-helpers.js";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

describe("simulate()", () => {
  const rules = { decks: 6, doubleAfterSplit: true, surrender: false };

  // Published house edge for 6 decks, DAS, no surrender, 3:2, peek: 0.40-0.45 % under S17, about 0.2 more under
  // H17. The honest form for a seeded run: its 95 % interval (3M rounds, standard error about 0.067 %) contains
  // the published range. Seed 1 gives S17 0.432 % [0.301, 0.563] and H17 0.688 % [0.557, 0.820]. A systematic
  // error of 0.15 % or more (a rule paid or played wrong) moves the interval off the range.
  test("basic strategy, 6 decks DAS no surrender: the 95 % interval contains the published range (S17 and H17)", () => {
    const s17 = simulate({ seed: 1, hands: 3_000_000, rules: { ...rules, dealerHitsSoft17: false } });
    expect(s17.standardErrorPercent).toBeLessThan(0.07);
    expect(s17.ci95Percent[0]).toBeLessThan(0.4);
    expect(s17.ci95Percent[1]).toBeGreaterThan(0.45);
    expect(s17.houseEdgePercent).toBeCloseTo(0.432, 2);
    const h17 = simulate({ seed: 1, hands: 3_000_000, rules: { ...rules, dealerHitsSoft17: true } });
    expect(h17.standardErrorPercent).toBeLessThan(0.07);
    expect(h17.ci95Percent[0]).toBeLessThan(0.6);
    expect(h17.ci95Percent[1]).toBeGreaterThan(0.65);
    // Per-hand standard deviation about 1.15 bets; rates that every 6-deck table shows.
    expect(s17.sdPerHand).toBeGreaterThan(1.1);
    expect(s17.sdPerHand).toBeLessThan(1.2);
    expect(s17.rates.blackjack).toBeGreaterThan(0.04);
    expect(s17.rates.blackjack).toBeLessThan(0.05);
    expect(s17.outcomes.surrender).toBe(0);
  }, 180_000); // about 10 s alone; a loaded machine takes several times that

  test("a report: counts add up, rates are per settled hand, per-seat figures add to the table's", () => {
    const r = simulate({ seed: 5, hands: 20_000, seats: 3, rules: { surrender: true }, shardHands: 5000 });
    expect(r.rounds).toBe(20_000);
    expect(r.shards).toBe(4);
    expect(r.perSeat).toHaveLength(3);
    const o = r.outcomes;
    expect(o.win + o.loss + o.push + o.surrender).toBe(r.settledHands);
    expect(r.settledHands).toBeGreaterThan(60_000);
    expect(r.rates.win).toBeCloseTo(o.win / r.settledHands, 12);
    expect(r.perSeat.reduce((a, s) => a + s.net, 0)).toBeCloseTo(r.net, 6);
    expect(r.perSeat.reduce((a, s) => a + s.settledHands, 0)).toBe(r.settledHands);
    expect(r.perSeat.every((s) => s.hands === 20_000)).toBe(true);
    expect(r.ci95Percent[1] - r.ci95Percent[0]).toBeCloseTo(2 * 1.96 * r.standardErrorPercent, 9);
    expect(r.variancePerHand).toBeGreaterThan(0);
  });

  test("shards run apart and merged in order give identical numbers", () => {
    const whole = simulate({ seed: 9, hands: 50_000, seats: 2, shardHands: 10_000 });
    const parts: Array<{ table: Tally; seats: Tally[] }> = [];
    // Shards in any grouping (as workers would run them), collected per shard and merged in shard order.
    for (const [from, to] of [
      [3, 5],
      [0, 1],
      [1, 3],
    ] as const) {
      simulate({
        seed: 9,
        hands: 50_000,
        seats: 2,
        shardHands: 10_000,
        shardRange: { from, to },
        onShard: (s, table, seats) => {
          parts[s] = { table, seats };
        },
      });
    }
    const merged = mergeShardTallies(parts);
    const again = report({ seed: 9, hands: 50_000, seats: 2 }, resolveRules(), merged.table, merged.seats, 5, 10_000);
    const { tally: _a, seatTallies: _b, ...w } = whole;
    const { tally: _c, seatTallies: _d, ...g } = again;
    expect(g).toEqual(w);
  });

  test("Hi-Lo with the ramp, Illustrious 18 and Fab 4 beats flat basic strategy on a seeded run", () => {
    const base = { seed: 3, hands: 400_000, rules: { decks: 6, surrender: true } };
    const basic = simulate({ ...base, strategy: "basic" });
    const hilo = simulate({ ...base, strategy: "hilo" });
    // Basic strategy loses about 0.4 %; the counter wins about 1 % of its (ramped) wagers.
    expect(hilo.houseEdgePercent).toBeLessThan(0);
    expect(basic.houseEdgePercent).toBeGreaterThan(0);
    expect(hilo.ci95Percent[1]).toBeLessThan(basic.ci95Percent[0]);
    expect(hilo.unitsPer100).toBeGreaterThan(basic.unitsPer100);
  }, 120_000);
});

describe("rules reachable from cardsharp-sim", () => {
  test("early surrender takes half even against a dealer natural; other answers stand on the original stake", () => {
    // Seat 10,6; dealer A up, K in the hole (a natural). Late surrender: the round ends at the peek, the bet lost.
    const late = stackedTable("10 A 6 K", { rules: { surrender: true, insurance: false } });
    late.play([10]);
    expect(late.engine.decision).toBeUndefined();
    expect(late.engine.player("p1")?.balance).toBe(990);
    const early = stackedTable("10 A 6 K", { rules: { earlySurrender: true, insurance: false } });
    early.play([10]);
    expect(early.engine.decision?.validActions).toContain("SURRENDER");
    early.act("SURRENDER");
    expect(early.engine.decision).toBeUndefined();
    expect(early.engine.player("p1")?.balance).toBe(995);
    expect(early.of("ROUND_ENDED").at(-1)).toMatchObject({ dealer_blackjack: true });
    // DOUBLE against the hidden natural stands on 10: only the original stake is lost.
    const dbl = stackedTable("6 A 5 K", { rules: { earlySurrender: true, insurance: false } });
    dbl.play([10]);
    dbl.act("DOUBLE");
    expect(dbl.engine.player("p1")?.balance).toBe(990);
    expect(dbl.of("PLAYER_ACTION").at(-1)).toMatchObject({ action: "STAND" });
  });

  test("a continuous shuffling machine shuffles before every round; burned cards leave the shoe unseen", () => {
    const csm = stackedTable("", { rules: { continuousShuffle: true, burnCards: 1 } });
    const size = 6 * 52;
    expect(csm.engine.shoe.remaining).toBe(size - 1);
    for (let i = 0; i < 3; i++) {
      csm.play([10]);
      while (csm.engine.decision) csm.act("STAND");
    }
    expect(csm.of("SHUFFLE").length).toBe(1 + 3);
    const plain = stackedTable("", {});
    plain.play([10]);
    while (plain.engine.decision) plain.act("STAND");
    expect(plain.of("SHUFFLE").length).toBe(1);
    expect(() => resolveRules({ burnCards: -1 })).toThrow(/burnCards/);
  });

  test("cardsharp-sim: --workers 3 prints the same numbers as --workers 1 for the same seed; flags reach the rules", async () => {
    const args = ["--hands", "60000", "--shard-hands", "10000", "--seats", "2", "--seed", "4", "--json"];
    const rulesFlags = ["--h17", "--early-surrender", "--csm", "--burn", "1", "--no-das", "--max-splits", "1"];
    const runs = await Promise.all(
      [
        [...args, "--workers", "1"],
        [...args, "--workers", "3"],
        [...args, ...rulesFlags, "--strategy", "hilo", "--workers", "2"],
        ["--hands", "x"],
      ].map(async (a) => {
        const p = spawnScript("src/cli/cardsharp-sim.ts", a, { cwd: pkgDir });
        return { code: await p.exited, stdout: p.stdout(), stderr: p.stderr() };
      }),
    );
    const [one, three, flags, bad] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    expect(one.code).toBe(0);
    expect(three.code).toBe(0);
    expect(three.stdout).toBe(one.stdout);
    const r = JSON.parse(one.stdout);
    expect(r).toMatchObject({ rounds: 60_000, seats: 2, shards: 6, strategy: "basic" });
    expect(r.perSeat).toHaveLength(2);
    expect(flags.code).toBe(0);
    expect(JSON.parse(flags.stdout)).toMatchObject({ strategy: "hilo", rounds: 60_000 });
    // With --csm nothing survives a round: no count, so Hi-Lo bets the unit every round.
    expect(JSON.parse(flags.stdout).wagered).toBe(60_000 * 2 * 5);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--hands must be a whole number/);
  }, 180_000);
});

describe("Hi-Lo index plays on hand-built shoes", () => {
  /** A counter pinned at a true count (the index plays are under test here, not the counting). */
  class PinnedCount extends HiLoCounter {
    tc: number;
    constructor(tc: number) {
      super(6);
      this.tc = tc;
    }
    override get trueCount(): number {
      return this.tc;
    }
  }

  /** Deals `stack` (seat, dealer up, seat, hole) and returns the Hi-Lo strategy's first answer at `tc`. */
  function firstAnswer(stack: string, tc: number, rules: Partial<Rules> = {}): Action {
    const r = resolveRules({ surrender: false, ...rules });
    const t = stackedTable(stack, { rules: r });
    t.play([10]);
    const d = t.engine.decision;
    if (!d) throw new Error("no decision");
    return hiLoStrategy(r, new PinnedCount(tc))(d);
  }

  test("Illustrious 18: each deviation at its index, basic strategy one below", () => {
    const cases: Array<[string, string, number, Action, Action]> = [
      // [what, stack, index, at the index, one below]
      ["16 vs 10", "10 10 6 7", 0, "STAND", "HIT"],
      ["15 vs 10", "10 10 5 7", 4, "STAND", "HIT"],
      ["10,10 vs 5", "10 5 10 7", 5, "SPLIT", "STAND"],
      ["10,10 vs 6", "K 6 K 7", 4, "SPLIT", "STAND"],
      ["10 vs 10", "6 10 4 7", 4, "DOUBLE", "HIT"],
      ["12 vs 3", "10 3 2 7", 2, "STAND", "HIT"],
      ["12 vs 2", "10 2 2 7", 3, "STAND", "HIT"],
      ["11 vs A", "6 A 5 7", 1, "DOUBLE", "HIT"],
      ["9 vs 2", "5 2 4 7", 1, "DOUBLE", "HIT"],
      ["10 vs A", "6 A 4 7", 4, "DOUBLE", "HIT"],
      ["9 vs 7", "5 7 4 7", 3, "DOUBLE", "HIT"],
      ["16 vs 9", "10 9 6 7", 5, "STAND", "HIT"],
      ["13 vs 2", "10 2 3 7", -1, "STAND", "HIT"],
      ["12 vs 4", "10 4 2 7", 0, "STAND", "HIT"],
      ["12 vs 5", "10 5 2 7", -2, "STAND", "HIT"],
      ["12 vs 6", "10 6 2 7", -1, "STAND", "HIT"],
      ["13 vs 3", "10 3 3 7", -2, "STAND", "HIT"],
    ];
    for (const [what, stack, index, at, below] of cases) {
      expect([what, firstAnswer(stack, index, { insurance: false })]).toEqual([what, at]);
      expect([what, firstAnswer(stack, index - 1, { insurance: false })]).toEqual([what, below]);
    }
  });

  test("insurance at a true count of +3 (the 18th), not below", () => {
    expect(firstAnswer("10 A 9 7", 3)).toBe("INSURANCE");
    expect(firstAnswer("10 A 9 7", 2.9)).toBe("NO_INSURANCE");
  });

  test("Fab 4 surrenders at their index; 16 vs 10 surrenders whatever the count", () => {
    const ls = { surrender: true, insurance: false };
    const cases: Array<[string, string, number, Action]> = [
      ["14 vs 10", "10 10 4 7", 3, "HIT"],
      ["15 vs 10", "10 10 5 7", 0, "HIT"],
      ["15 vs 9", "10 9 5 7", 2, "HIT"],
      ["15 vs A", "10 A 5 7", 1, "HIT"],
    ];
    for (const [what, stack, index, below] of cases) {
      expect([what, firstAnswer(stack, index, ls)]).toEqual([what, "SURRENDER"]);
      expect([what, firstAnswer(stack, index - 1, ls)]).toEqual([what, below]);
    }
    expect(firstAnswer("10 10 6 7", -5, ls)).toBe("SURRENDER");
    expect(firstAnswer("10 10 6 7", 5, ls)).toBe("SURRENDER");
  });

  test("the counter sees the table through the engine's observer: the hole card only once revealed", () => {
    const counter = new HiLoCounter(6);
    const engine = new BlackjackEngine({ seed: 1, observer: counter, rules: { insurance: false } });
    const id = engine.addPlayer({ name: "c", balance: 100 });
    engine.shoe.stack(parseCards("2 10 4 K"));
    engine.startRound();
    engine.placeBet(id, 5);
    engine.deal();
    expect([counter.running, counter.seen]).toEqual([1, 3]); // 2, 10, 4 seen; the K in the hole is not
    engine.act(id, "STAND"); // the dealer reveals K (20) and stands
    expect([counter.running, counter.seen]).toEqual([0, 4]);
  });
});
