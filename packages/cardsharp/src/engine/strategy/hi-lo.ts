import { type Card, parseCard, pointValue, rankIndex } from "../cards.js";
import type { Action } from "../events.js";
import { evaluate } from "../hand-value.js";
import type { Rules } from "../rules.js";
import { basicStrategy, dealerColumn, type Strategy } from "./basic-strategy.js";

/**
 * The Hi-Lo card counter: 2-6 count +1, 10-A count -1. It sees only what the table shows (the hole
 * card once CARD_REVEALED), resets on SHUFFLE, and converts to a true count per deck remaining.
 */
export class HiLoCounter {
  readonly decks: number;
  running = 0;
  seen = 0;

  constructor(decks: number) {
    this.decks = decks;
  }

  observe(card: Card): void {
    const v = pointValue(card);
    if (v >= 2 && v <= 6) this.running++;
    else if (v === 10 || v === 1) this.running--;
    this.seen++;
  }

  reset(): void {
    this.running = 0;
    this.seen = 0;
  }

  /** The engine's `observer` hooks: a face-up card, a shuffle. */
  card(card: Card): void {
    this.observe(card);
  }

  shuffle(): void {
    this.reset();
  }

  /** Running count divided by the decks still in the shoe (at least half a deck). */
  get trueCount(): number {
    const left = Math.max(0.5, (this.decks * 52 - this.seen) / 52);
    return this.running / left;
  }

  /** Feeds one engine event (SHUFFLE, CARD_DEALT, CARD_REVEALED); others are ignored. */
  observeEvent(type: string, data: { card?: string | null } | undefined): void {
    if (type === "SHUFFLE") this.reset();
    else if ((type === "CARD_DEALT" || type === "CARD_REVEALED") && typeof data?.card === "string") {
      this.observe(parseCard(data.card));
    }
  }

  /** Upstream's bet ramp: 1/4/8/12/20 units at true counts <=1, 2, 3, 4, 5+. */
  betUnits(): number {
    const tc = Math.floor(this.trueCount);
    if (tc <= 1) return 1;
    if (tc === 2) return 4;
    if (tc === 3) return 8;
    if (tc === 4) return 12;
    return 20;
  }

  /** Insurance is worth taking at a true count of +3 or more. */
  takeInsurance(): boolean {
    return this.trueCount >= 3;
  }
}

/**
 * The index plays a Hi-Lo counter makes instead of basic strategy, at the true count floored to an integer
 * (multi-deck, S17 indices). Illustrious 18: play when the true count is at least the index, else basic
 * strategy. Fab 4: the late surrenders. Each entry: [hard total or "T,T", dealer column (0 = 2 ... 8 = ten,
 * 9 = ace), index, action].
 */
export const ILLUSTRIOUS_18: ReadonlyArray<readonly [number | "T,T", number, number, Action]> = [
  // (insurance at +3 is the 18th: see takeInsurance)
  [16, 8, 0, "STAND"],
  [15, 8, 4, "STAND"],
  ["T,T", 3, 5, "SPLIT"],
  ["T,T", 4, 4, "SPLIT"],
  [10, 8, 4, "DOUBLE"],
  [12, 1, 2, "STAND"],
  [12, 0, 3, "STAND"],
  [11, 9, 1, "DOUBLE"],
  [9, 0, 1, "DOUBLE"],
  [10, 9, 4, "DOUBLE"],
  [9, 5, 3, "DOUBLE"],
  [16, 7, 5, "STAND"],
  [13, 0, -1, "STAND"],
  [12, 2, 0, "STAND"],
  [12, 3, -2, "STAND"],
  [12, 4, -1, "STAND"],
  [13, 1, -2, "STAND"],
];

/** Fab 4 surrenders (late surrender): [hard total, dealer column, index]; surrender at the index or above. */
export const FAB_4: ReadonlyArray<readonly [number, number, number]> = [
  [14, 8, 3],
  [15, 8, 0],
  [15, 7, 2],
  [15, 9, 1],
];

/**
 * What the count changes for this decision, if anything: an Illustrious 18 or Fab 4 play at true count `tc`
 * (the count's side of the index: at or above plays the listed action, below plays the opposite of it where
 * basic strategy would play the listed one, e.g. 12 vs 4 hits below 0).
 */
export function indexPlay(
  view: { cards: readonly Card[]; dealerUpcard: Card; validActions: readonly Action[] },
  tc: number,
): Action | undefined {
  const col = dealerColumn(view.dealerUpcard);
  const { total, soft } = evaluate(view.cards);
  if (soft) return undefined;
  const two = view.cards.length === 2;
  const tens = two && pointValue(view.cards[0] as Card) === 10 && pointValue(view.cards[1] as Card) === 10;
  const pair = two && rankIndex(view.cards[0] as Card) === rankIndex(view.cards[1] as Card);
  const t = Math.floor(tc);
  const valid = view.validActions;
  if (valid.includes("SURRENDER") && !pair) {
    for (const [hard, c, index] of FAB_4) {
      if (hard === total && c === col) return t >= index ? "SURRENDER" : undefined;
    }
  }
  for (const [hand, c, index, action] of ILLUSTRIOUS_18) {
    if (c !== col) continue;
    if (hand === "T,T") {
      if (!tens) continue;
      return t >= index && valid.includes("SPLIT") ? "SPLIT" : "STAND";
    }
    if (hand !== total || pair) continue;
    if (action === "DOUBLE") {
      if (t >= index) return valid.includes("DOUBLE") ? "DOUBLE" : "HIT";
      return "HIT";
    }
    // STAND indices: stand at or above, hit below.
    return t >= index ? "STAND" : "HIT";
  }
  return undefined;
}

/**
 * Hi-Lo with the Illustrious 18 and Fab 4: basic strategy for the rules, the index plays at the counter's
 * true count, insurance at +3. Feed the counter with the engine's `observer` option (or `observeEvent`).
 */
export function hiLoStrategy(
  rules: Pick<Rules, "dealerHitsSoft17" | "doubleAfterSplit"> & Partial<Pick<Rules, "earlySurrender">>,
  counter: HiLoCounter,
): Strategy {
  const basic = basicStrategy(rules);
  return (view) => {
    if (view.kind === "insurance") return counter.takeInsurance() ? "INSURANCE" : "NO_INSURANCE";
    const plain = basic(view);
    if (plain === "SURRENDER") {
      // Basic surrenders the Fab 4 hands only at their index; its other surrenders (16 vs 9, 10, A) stay.
      const { total } = evaluate(view.cards);
      const col = dealerColumn(view.dealerUpcard);
      if (!FAB_4.some(([hard, c]) => hard === total && c === col)) return plain;
    }
    const play = indexPlay(view, counter.trueCount);
    if (play && view.validActions.includes(play)) return play;
    return plain === "SURRENDER"
      ? basic({ ...view, validActions: view.validActions.filter((a) => a !== "SURRENDER") })
      : plain;
  };
}
