import { describe, expect, test } from "vitest";
import {
  BlackjackEngine,
  cardToString,
  EngineError,
  evaluate,
  parseCard,
  parseCards,
  seededRandom,
} from "../src/engine/index.js";
import { stackedTable } from "./engine-helpers.js";

describe("cards and totals", () => {
  test("soft aces are counted right", () => {
    expect(evaluate(parseCards("A 5 6"))).toMatchObject({ total: 12, soft: false });
    expect(evaluate(parseCards("A A"))).toMatchObject({ total: 12, soft: true });
    expect(evaluate(parseCards("A 6"))).toMatchObject({ total: 17, soft: true });
    expect(evaluate(parseCards("A A 9"))).toMatchObject({ total: 21, soft: true });
    expect(evaluate(parseCards("A K"))).toMatchObject({ total: 21, soft: true });
    expect(evaluate(parseCards("K Q 5"))).toMatchObject({ total: 25, soft: false });
  });

  test("card strings round-trip in upstream's format", () => {
    expect(cardToString(parseCard("10♥"))).toBe("10♥");
    expect(cardToString(parseCard("As"))).toBe("A♠");
    expect(cardToString(parseCard("Tc"))).toBe("10♣");
    expect(() => parseCard("1x")).toThrow(RangeError);
  });

  test("a seed fixes the shoe; another seed changes it", () => {
    const deal = (seed: number) => {
      const e = new BlackjackEngine({ seed });
      return Array.from({ length: 20 }, () => e.shoe.draw());
    };
    expect(deal(7)).toEqual(deal(7));
    expect(deal(7)).not.toEqual(deal(8));
    const r = seededRandom("x");
    expect(r()).toBeGreaterThanOrEqual(0);
  });
});

describe("a round", () => {
  test("events come once each, in the documented order, and the round finishes", () => {
    // P1: 10 + 7 = 17, dealer 9 + 7 (hole) = 16, draws 5 → 21.
    const t = stackedTable("10♠ 9♥ 7♦ 7♣ 5♥");
    t.engine.start();
    expect(t.types()).toEqual(["SHUFFLE", "ENGINE_INIT", "GAME_CREATED", "GAME_STARTED", "PLAYER_JOINED"]);
    const from = t.events.length;
    t.play();
    t.act("STAND");
    expect(t.types(from)).toEqual([
      "ROUND_STARTED",
      "PLAYER_BET",
      "CARD_DEALT",
      "CARD_DEALT",
      "CARD_DEALT",
      "CARD_DEALT",
      "UI_UPDATE_NEEDED",
      "PLAYER_DECISION_NEEDED",
      "PLAYER_ACTION",
      "CARD_REVEALED",
      "UI_UPDATE_NEEDED",
      "CARD_DEALT",
      "DEALER_ACTION",
      "DEALER_ACTION",
      "HAND_RESULT",
      "BANKROLL_UPDATED",
      "UI_UPDATE_NEEDED",
      "ROUND_ENDED",
    ]);
    expect(t.of("ROUND_STARTED")[0]).toMatchObject({ round_id: "0", round_number: 1, player_count: 1 });
    expect(t.of("PLAYER_BET")[0]).toMatchObject({ amount: 10, previous_balance: 1000, new_balance: 990 });
    expect(t.of("PLAYER_ACTION")[0]).toMatchObject({ action: "STAND", next_stage: "DEALER_TURN" });
    expect(t.of("DEALER_ACTION").map((d) => d.action)).toEqual(["HIT", "STAND"]);
    expect(t.of("HAND_RESULT")[0]).toMatchObject({ result: "lose", payout: 0, hand_value: 17, dealer_value: 21 });
    expect(t.of("ROUND_ENDED")[0]).toMatchObject({
      round_id: "0",
      results: { p1: { name: "P1", balance: 990, net: -10 } },
      dealer: { hand: { cards: ["9♥", "7♣", "5♥"] }, value: 21 },
    });
    expect(t.engine.stage).toBe("END_ROUND");
    for (const e of t.events) expect(typeof (e.data.timestamp ?? 0)).toBe("number");
  });

  test("the hole card stays hidden until CARD_REVEALED", () => {
    const t = stackedTable("10♠ 9♥ 7♦ 3♣ 5♥");
    t.play();
    const beforeReveal = JSON.stringify(t.events);
    expect(beforeReveal).not.toContain("3♣");
    const hole = t.of("CARD_DEALT").find((d) => d.is_hole_card);
    expect(hole).toMatchObject({ is_dealer: true, card: null, hand_value_before: 9, hand_value_after: 9 });
    const ui = t.of("UI_UPDATE_NEEDED")[0].state;
    expect(ui.dealer).toEqual({ hand: ["9♥"], value: 9, hide_second_card: true });
    expect(t.engine.publicState().dealer.hand).toEqual(["9♥"]);
    t.act("STAND");
    expect(t.of("CARD_REVEALED")).toEqual([expect.objectContaining({ card: "3♣", hand_value: 12 })]);
    expect(t.engine.publicState().dealer.hand).toEqual(["9♥", "3♣", "5♥"]);
  });

  test("A+5+6 counts 12, not a bust", () => {
    const t = stackedTable("A♠ 10♥ 5♦ 8♣ 6♥");
    t.play();
    t.act("HIT");
    const last = t.of("CARD_DEALT").at(-1);
    expect(last).toMatchObject({ card: "6♥", hand_value_before: 16, hand_value_after: 12 });
    expect(t.of("HAND_BUSTED")).toEqual([]);
    expect(t.engine.decision?.validActions).toEqual(["HIT", "STAND"]);
  });

  test("any number of seats play in order and one shoe serves them all", () => {
    const t = stackedTable("10♠ 9♠ 8♠ 7♥ 7♠ 9♦ 10♦ 10♣", { seats: 3 });
    t.play();
    expect(t.engine.decision?.playerId).toBe("p1");
    t.act("STAND");
    expect(t.engine.decision?.playerId).toBe("p2");
    t.act("STAND");
    expect(t.engine.decision?.playerId).toBe("p3");
    t.act("STAND");
    // Dealer 7 + 10 = 17 stands: p1 17 pushes, p2 18 and p3 18 win.
    expect(t.of("HAND_RESULT").map((r) => [r.player_id, r.result])).toEqual([
      ["p1", "push"],
      ["p2", "win"],
      ["p3", "win"],
    ]);
    expect(t.of("BANKROLL_UPDATED").map((b) => b.balance)).toEqual([1000, 1010, 1010]);
  });

  test("seat ids keep their value (built at run time, numeric-looking) and key ROUND_ENDED's results", () => {
    const ended: Array<{ results: Record<string, { balance: number }> }> = [];
    const joined: string[] = [];
    const engine = new BlackjackEngine({
      seed: 9,
      onEvent: (type, data) => {
        if (type === "ROUND_ENDED") ended.push(data as (typeof ended)[number]);
        if (type === "PLAYER_JOINED") joined.push((data as { player_id: string }).player_id);
      },
    });
    const n = 7;
    const ids = [`seat-${n}`, "42", engine.addPlayer({ name: "auto" })];
    engine.addPlayer({ id: ids[0], name: "a" });
    engine.addPlayer({ id: ids[1], name: "b" });
    expect(joined).toEqual([ids[2], ids[0], ids[1]]);
    engine.startRound();
    for (const id of ids) engine.placeBet(id as string, 10);
    engine.deal();
    for (let d = engine.decision; d; d = engine.decision)
      engine.act(d.playerId, d.kind === "play" ? "STAND" : "NO_INSURANCE");
    expect(Object.keys(ended[0]?.results ?? {}).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(ended[0]?.results[id as string]?.balance).toBe(engine.player(id as string)?.balance);
    expect(engine.players.map((p) => p.id)).toEqual([ids[2], ids[0], ids[1]]);
  });

  test("a natural with one seat finishes the round (upstream stalled here)", () => {
    const t = stackedTable("A♠ 9♥ K♦ 7♣");
    t.play();
    expect(t.engine.decision).toBeUndefined();
    expect(t.engine.stage).toBe("END_ROUND");
    expect(t.of("HAND_RESULT")[0]).toMatchObject({ result: "win", payout: 25, blackjack: true });
    expect(t.of("CARD_REVEALED")).toHaveLength(1);
    expect(t.of("DEALER_ACTION")).toEqual([]);
    t.engine.startRound();
    expect(t.engine.stage).toBe("PLACING_BETS");
  });

  test("6:5 pays 2.2x on a natural", () => {
    const t = stackedTable("A♠ 9♥ K♦ 7♣", { rules: { blackjackPays: 1.2 } });
    t.play();
    expect(t.of("HAND_RESULT")[0].payout).toBeCloseTo(22);
  });

  test("payouts: win 2x, push 1x, bust 0, surrender half at once", () => {
    const win = stackedTable("10♠ 9♥ 10♦ 8♣");
    win.play();
    win.act("STAND");
    expect(win.of("HAND_RESULT")[0]).toMatchObject({ result: "win", payout: 20 });
    const push = stackedTable("10♠ 9♥ 8♦ 9♣");
    push.play();
    push.act("STAND");
    expect(push.of("HAND_RESULT")[0]).toMatchObject({ result: "push", payout: 10 });
    expect(push.engine.player("p1")?.balance).toBe(1000);
    const bust = stackedTable("10♠ 9♥ 6♦ 9♣ K♥");
    bust.play();
    bust.act("HIT");
    expect(bust.of("HAND_BUSTED")).toHaveLength(1);
    expect(bust.of("DEALER_ACTION")).toEqual([]);
    expect(bust.of("HAND_RESULT")[0]).toMatchObject({ result: "lose", payout: 0 });
    const sur = stackedTable("10♠ 10♥ 6♦ 7♣");
    sur.play();
    sur.act("SURRENDER");
    expect(sur.engine.player("p1")?.balance).toBe(995);
    expect(sur.of("HAND_RESULT")[0]).toMatchObject({ result: "surrender", payout: 5 });
    expect(sur.of("ROUND_ENDED")[0].results.p1.net).toBe(-5);
  });
});

describe("dealer rules", () => {
  test("S17 stands on soft 17, H17 hits it", () => {
    const s17 = stackedTable("10♠ A♥ 9♦ 6♣ 4♥", { rules: { insurance: false } });
    s17.play();
    s17.act("STAND");
    expect(s17.of("DEALER_ACTION").map((d) => d.action)).toEqual(["STAND"]);
    expect(s17.of("HAND_RESULT")[0].result).toBe("win");
    const h17 = stackedTable("10♠ A♥ 9♦ 6♣ 4♥", { rules: { dealerHitsSoft17: true, insurance: false } });
    h17.play();
    h17.act("STAND");
    expect(h17.of("DEALER_ACTION").map((d) => d.action)).toEqual(["HIT", "STAND"]);
    expect(h17.of("HAND_RESULT")[0]).toMatchObject({ result: "lose", dealer_value: 21 });
  });

  test("peek: a dealer blackjack under a ten ends the round before anyone acts; a player natural pushes", () => {
    const t = stackedTable("A♠ 9♠ K♥ K♦ 10♣ A♣", { seats: 2 });
    t.play();
    expect(t.engine.decision).toBeUndefined();
    expect(t.of("PLAYER_DECISION_NEEDED")).toEqual([]);
    expect(t.of("CARD_REVEALED")[0]).toMatchObject({ card: "A♣", is_blackjack: true });
    expect(t.of("HAND_RESULT").map((r) => r.result)).toEqual(["push", "lose"]);
    expect(t.of("ROUND_ENDED")[0].dealer_blackjack).toBe(true);
  });

  test("without peek, a dealer blackjack is found at the end and beats doubles too", () => {
    const t = stackedTable("6♠ K♥ 5♦ A♣ 9♥", { rules: { dealerPeek: false, insurance: false } });
    t.play();
    t.act("DOUBLE");
    expect(t.of("HAND_RESULT")[0]).toMatchObject({ result: "lose", bet: 20 });
    expect(t.engine.player("p1")?.balance).toBe(980);
  });
});

describe("insurance and even money", () => {
  test("insurance pays 2:1 when the dealer has blackjack", () => {
    const t = stackedTable("10♠ A♥ 9♦ K♣");
    t.play();
    expect(t.engine.decision).toMatchObject({ kind: "insurance", validActions: ["INSURANCE", "NO_INSURANCE"] });
    expect(t.types().slice(-3)).toEqual(["UI_UPDATE_NEEDED", "INSURANCE_OFFERED", "PLAYER_DECISION_NEEDED"]);
    const from = t.events.length;
    expect(t.of("INSURANCE_OFFERED")[0]).toMatchObject({ amount: 5, even_money: false });
    t.act("INSURANCE");
    expect(t.types(from)).toEqual([
      "INSURANCE_DECISION",
      "CARD_REVEALED",
      "UI_UPDATE_NEEDED",
      "MONEY_PAYOUT",
      "HAND_RESULT",
      "BANKROLL_UPDATED",
      "UI_UPDATE_NEEDED",
      "ROUND_ENDED",
    ]);
    expect(t.of("INSURANCE_DECISION")[0]).toMatchObject({ action: "INSURANCE", amount: 5 });
    expect(t.of("MONEY_PAYOUT")[0]).toMatchObject({ reason: "insurance", amount: 15 });
    expect(t.of("HAND_RESULT")[0].result).toBe("lose");
    expect(t.engine.player("p1")?.balance).toBe(1000);
  });

  test("insurance is lost when the dealer has no blackjack, then play goes on", () => {
    const t = stackedTable("10♠ A♥ 9♦ 5♣ 10♥");
    t.play();
    t.act("INSURANCE");
    expect(t.engine.decision).toMatchObject({ kind: "play" });
    t.act("STAND");
    // Dealer A+5 = soft 16, draws 10 → hard 16, draws nothing more? 16 must hit: the stack is empty,
    // so the seeded shoe supplies the rest; only the money matters here.
    expect(t.of("MONEY_PAYOUT")).toEqual([]);
    const r = t.of("ROUND_ENDED")[0].results.p1;
    expect(r.net).toBe(t.of("HAND_RESULT")[0].payout - 15);
  });

  test("even money pays 1:1 on a natural whatever the dealer holds", () => {
    const t = stackedTable("A♠ A♥ K♦ K♣");
    t.play();
    expect(t.of("INSURANCE_OFFERED")[0]).toMatchObject({ even_money: true, amount: 0 });
    t.act("INSURANCE");
    expect(t.of("HAND_RESULT")[0]).toMatchObject({ result: "win", payout: 20 });
    expect(t.engine.player("p1")?.balance).toBe(1010);
  });
});

describe("doubles and splits", () => {
  test("double: the stake doubles and exactly one card comes", () => {
    const t = stackedTable("6♠ 9♥ 5♦ 7♣ 2♥ 10♦");
    t.play();
    expect(t.engine.decision?.validActions).toEqual(["HIT", "STAND", "DOUBLE", "SURRENDER"]);
    t.act("DOUBLE");
    expect(t.engine.decision).toBeUndefined();
    const hand = t.of("HAND_RESULT")[0];
    expect(hand).toMatchObject({ bet: 20, hand_value: 13, result: "win", payout: 40, dealer_value: 26 });
    expect(t.of("PLAYER_ACTION")[0]).toMatchObject({ action: "DOUBLE", hand_value: 13 });
  });

  test("double restricted to 9-11 or 10-11", () => {
    const nine = stackedTable("5♠ 9♥ 4♦ 7♣", { rules: { doubleOn: "10-11" } });
    nine.play();
    expect(nine.engine.decision?.validActions).not.toContain("DOUBLE");
    const nineOk = stackedTable("5♠ 9♥ 4♦ 7♣", { rules: { doubleOn: "9-11" } });
    nineOk.play();
    expect(nineOk.engine.decision?.validActions).toContain("DOUBLE");
    const soft = stackedTable("A♠ 9♥ 8♦ 7♣", { rules: { doubleOn: "9-11" } });
    soft.play();
    expect(soft.engine.decision?.validActions).not.toContain("DOUBLE");
  });

  test("split: each hand gets a card, is played in turn, and carries the bet; DAS allowed", () => {
    const t = stackedTable("8♠ 9♥ 8♦ 8♣ 3♠ 10♥ 10♣");
    t.play();
    expect(t.engine.decision?.validActions).toContain("SPLIT");
    const from = t.events.length;
    t.act("SPLIT");
    // Upstream's split order (cardsharp.md 3.3), its two PLAYER_ACTIONs merged into one.
    expect(t.types(from)).toEqual([
      "HAND_SPLIT",
      "CARD_DEALT",
      "CARD_DEALT",
      "PLAYER_ACTION",
      "PLAYER_DECISION_NEEDED",
    ]);
    const split = t.of("HAND_SPLIT")[0];
    expect(split).toMatchObject({ original_hand_id: expect.any(String), new_hand1_id: expect.any(String) });
    expect(t.engine.decision?.handId).toBe(split.new_hand1_id);
    // First hand 8+3 = 11: double after split.
    expect(t.engine.decision?.validActions).toEqual(["HIT", "STAND", "DOUBLE"]);
    t.act("DOUBLE");
    expect(t.engine.decision?.handId).toBe(split.new_hand2_id);
    t.act("STAND");
    const results = t.of("HAND_RESULT");
    expect(results.map((r) => r.bet)).toEqual([20, 10]);
    expect(t.engine.player("p1")?.balance).toBe(1000 - 30 + results.reduce((a, r) => a + r.payout, 0));
  });

  test("no double after split when DAS is off", () => {
    const t = stackedTable("8♠ 9♥ 8♦ 8♣ 3♠ 10♥", { rules: { doubleAfterSplit: false } });
    t.play();
    t.act("SPLIT");
    expect(t.engine.decision?.validActions).toEqual(["HIT", "STAND"]);
  });

  test("resplits stop at maxSplits", () => {
    const t = stackedTable("8♠ 9♥ 8♦ 7♣ 8♥ 8♣ 8♠ 2♦ 2♥ 2♣", { rules: { maxSplits: 2 } });
    t.play();
    t.act("SPLIT"); // 2 hands: [8,8] [8,8]
    expect(t.engine.decision?.validActions).toContain("SPLIT");
    t.act("SPLIT"); // 3 hands: [8,8] [8,2] [8,8]
    expect(t.engine.decision?.validActions).not.toContain("SPLIT");
    expect(t.of("HAND_SPLIT")).toHaveLength(2);
  });

  test("split aces take one card each unless the rules say otherwise", () => {
    const t = stackedTable("A♠ 9♥ A♦ 7♣ 5♥ 6♦");
    t.play();
    t.act("SPLIT");
    expect(t.engine.decision).toBeUndefined();
    expect(t.of("HAND_RESULT").map((r) => r.hand_value)).toEqual([16, 17]);
    const hit = stackedTable("A♠ 9♥ A♦ 7♣ 5♥ 6♦", { rules: { hitSplitAces: true } });
    hit.play();
    hit.act("SPLIT");
    expect(hit.engine.decision?.validActions).toEqual(["HIT", "STAND", "DOUBLE"]);
  });

  test("resplit aces only with resplitAces; a split 21 is not a blackjack", () => {
    const no = stackedTable("A♠ 9♥ A♦ 7♣ A♥ K♦");
    no.play();
    no.act("SPLIT");
    expect(no.engine.decision).toBeUndefined();
    const res = no.of("HAND_RESULT");
    expect(res[1]).toMatchObject({ hand_value: 21, blackjack: false, payout: 20 });
    const yes = stackedTable("A♠ 9♥ A♦ 7♣ A♥ K♦ 5♠ 9♣", { rules: { resplitAces: true } });
    yes.play();
    yes.act("SPLIT");
    expect(yes.engine.decision?.validActions).toEqual(["STAND", "SPLIT"]);
    yes.act("SPLIT");
    expect(yes.of("HAND_SPLIT")).toHaveLength(2);
  });

  test("surrender only as the first decision of an unsplit hand, and only when the rules allow it", () => {
    const off = stackedTable("10♠ 10♥ 6♦ 7♣", { rules: { surrender: false } });
    off.play();
    expect(off.engine.decision?.validActions).not.toContain("SURRENDER");
    const on = stackedTable("10♠ 10♥ 3♦ 7♣ 2♠");
    on.play();
    on.act("HIT");
    expect(on.engine.decision?.validActions).toEqual(["HIT", "STAND"]);
  });
});

describe("bankroll and refusals", () => {
  test("bets outside the limits or the bankroll are refused with typed errors", () => {
    const t = stackedTable("10♠ 9♥ 7♦ 7♣", { balance: 50, rules: { minBet: 5, maxBet: 100 } });
    t.engine.startRound();
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(EngineError);
        return (e as EngineError).code;
      }
      return "none";
    };
    expect(code(() => t.engine.placeBet("p1", 1))).toBe("BET_BELOW_MIN");
    expect(code(() => t.engine.placeBet("p1", 200))).toBe("BET_ABOVE_MAX");
    expect(code(() => t.engine.placeBet("p1", 60))).toBe("INSUFFICIENT_FUNDS");
    expect(code(() => t.engine.placeBet("nobody", 10))).toBe("UNKNOWN_PLAYER");
    expect(code(() => t.engine.deal())).toBe("NO_BETS");
    t.engine.placeBet("p1", 50);
    expect(code(() => t.engine.placeBet("p1", 10))).toBe("ALREADY_BET");
    t.engine.deal();
    expect(t.engine.decision?.validActions).toEqual(["HIT", "STAND", "SURRENDER"]); // cannot afford to double
    expect(code(() => t.engine.act("p1", "SPLIT"))).toBe("INVALID_ACTION");
    expect(code(() => t.engine.act("p2", "STAND"))).toBe("NOT_YOUR_TURN");
    expect(code(() => t.engine.startRound())).toBe("WRONG_STAGE");
    expect(code(() => t.engine.placeBet("p1", 5))).toBe("WRONG_STAGE");
  });

  test("the shoe reshuffles at the cut card, between rounds", () => {
    const shuffles: number[] = [];
    const seen: string[] = [];
    const engine = new BlackjackEngine({
      seed: 3,
      rules: { decks: 1, penetration: 0.5 },
      onEvent: (type) => {
        seen.push(type);
        if (type === "SHUFFLE") shuffles.push(seen.length);
      },
    });
    const id = engine.addPlayer({ name: "a", balance: 1e6 });
    for (let i = 0; i < 20; i++) {
      engine.startRound();
      expect(engine.shoe.needsShuffle).toBe(false);
      engine.placeBet(id, 5);
      engine.deal();
      for (let d = engine.decision; d; d = engine.decision)
        engine.act(id, d.kind === "play" ? "STAND" : "NO_INSURANCE");
    }
    // 20 rounds of a 1-deck shoe cut at half: several reshuffles, each one between rounds (right after
    // a ROUND_ENDED, before the next ROUND_STARTED), never mid-round.
    expect(shuffles.length).toBeGreaterThan(2);
    for (const at of shuffles.slice(1)) {
      expect(seen[at - 2]).toBe("ROUND_ENDED");
      expect(seen[at]).toBe("ROUND_STARTED");
    }
  });
});
