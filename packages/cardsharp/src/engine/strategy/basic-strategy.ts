import { type Card, pointValue, rankIndex } from "../cards.js";
import type { Action } from "../events.js";
import { handTotal, isSoft } from "../hand-value.js";
import type { Rules } from "../rules.js";

/** A bot's brain: picks one of `validActions` for the hand (insurance decisions included). */
export type Strategy = (view: DecisionView) => Action;

export interface DecisionView {
  kind: "play" | "insurance";
  cards: readonly Card[];
  dealerUpcard: Card;
  validActions: readonly Action[];
}

// Rows are dealer up cards 2,3,4,5,6,7,8,9,10,A. H hit, S stand, D double (else hit),
// X double (else stand), P split, R surrender (else the hard table), "." no split.
const HARD_S17: Record<number, string> = {
  9: "HDDDDHHHHH",
  10: "DDDDDDDDHH",
  11: "DDDDDDDDDH",
  12: "HHSSSHHHHH",
  13: "SSSSSHHHHH",
  14: "SSSSSHHHHH",
  15: "SSSSSHHHHH",
  16: "SSSSSHHHHH",
};
const SOFT_S17: Record<number, string> = {
  13: "HHHDDHHHHH",
  14: "HHHDDHHHHH",
  15: "HHDDDHHHHH",
  16: "HHDDDHHHHH",
  17: "HDDDDHHHHH",
  18: "SXXXXSSHHH",
  19: "SSSSSSSSSS",
};
const PAIRS_DAS: Record<number, string> = {
  1: "PPPPPPPPPP",
  2: "PPPPPP....",
  3: "PPPPPP....",
  4: "...PP.....",
  6: "PPPPP.....",
  7: "PPPPPP....",
  8: "PPPPPPPPPP",
  9: "PPPPP.PP..",
};
const PAIRS_NO_DAS: Record<number, string> = {
  ...PAIRS_DAS,
  2: "..PPPP....",
  3: "..PPPP....",
  4: "..........",
  6: ".PPPP.....",
};
const SURRENDER_S17: Record<number, string> = { 15: "........R.", 16: ".......RRR" };
const SURRENDER_H17: Record<number, string> = { 15: "........RR", 16: ".......RRR", 17: ".........R" };

interface Tables {
  hard: Record<number, string>;
  soft: Record<number, string>;
  pairs: Record<number, string>;
  surrender: Record<number, string>;
}

/** The tables for S17 or H17, with or without double after split (multi-deck basic strategy). */
export function basicStrategyTables(rules: Pick<Rules, "dealerHitsSoft17" | "doubleAfterSplit">): Tables {
  const h17 = rules.dealerHitsSoft17;
  return {
    hard: h17 ? { ...HARD_S17, 11: "DDDDDDDDDD" } : HARD_S17,
    soft: h17 ? { ...SOFT_S17, 18: "XXXXXSSHHH", 19: "SSSSXSSSSS" } : SOFT_S17,
    pairs: rules.doubleAfterSplit ? PAIRS_DAS : PAIRS_NO_DAS,
    surrender: h17 ? SURRENDER_H17 : SURRENDER_S17,
  };
}

/**
 * Early surrender (multi-deck): against an ace, hard 5-7 and 12-17 and pairs of 3, 6, 7, 8; against a ten,
 * hard 14-16 and pairs of 7 and 8. Pairs are listed by card value, hard totals by total.
 */
export function earlySurrenders(total: number, soft: boolean, pairValue: number, col: number): boolean {
  if (soft) return false;
  if (col === 9)
    return (
      [3, 6, 7, 8].includes(pairValue) ||
      (pairValue === 0 && ((total >= 5 && total <= 7) || (total >= 12 && total <= 17)))
    );
  if (col === 8) return pairValue === 7 || pairValue === 8 || (pairValue === 0 && total >= 14 && total <= 16);
  return false;
}

/** Basic strategy for the given rules (never takes insurance or even money). */
export function basicStrategy(
  rules: Pick<Rules, "dealerHitsSoft17" | "doubleAfterSplit"> & Partial<Pick<Rules, "earlySurrender">>,
): Strategy {
  const cells = compileTables(basicStrategyTables(rules));
  const h17 = rules.dealerHitsSoft17;
  const early = rules.earlySurrender === true;
  return (view) => {
    if (view.kind === "insurance") return "NO_INSURANCE";
    const valid = view.validActions;
    const cards = view.cards;
    const col = dealerColumn(view.dealerUpcard);
    // The hand's total and softness (as `evaluate`, without an object per decision).
    let hard = 0;
    let aces = 0;
    for (let i = 0; i < cards.length; i++) {
      const c = cards[i] as Card;
      hard += pointValue(c);
      if (c % 13 === 0) aces++;
    }
    const soft = isSoft(hard, aces);
    const total = handTotal(hard, aces);
    const pairRank = cards.length === 2 && rankIndex(cards[0] as Card) === rankIndex(cards[1] as Card);
    const pairValue = pairRank ? pointValue(cards[0] as Card) : 0;
    // Which of the optional actions are offered, in one pass over the list.
    let hit = false;
    let surrender = false;
    let split = false;
    let double = false;
    for (let i = 0; i < valid.length; i++) {
      const a = valid[i];
      if (a === "HIT") hit = true;
      else if (a === "SURRENDER") surrender = true;
      else if (a === "SPLIT") split = true;
      else if (a === "DOUBLE") double = true;
    }
    if (surrender) {
      if (early && earlySurrenders(total, soft, pairValue, col)) return "SURRENDER";
      // H17: 8,8 against an ace surrenders; other pairs of 8 split.
      if (h17 && pairValue === 8 && col === 9) return "SURRENDER";
      if (!soft && pairValue !== 8 && total < TOTALS && cells.surrender[total * 10 + col] === 1) return "SURRENDER";
    }
    if (pairRank && split && cells.split[pairValue * 10 + col] === 1) return "SPLIT";
    const cell = total >= TOTALS ? STAND : cells.play[(soft ? TOTALS * 10 : 0) + total * 10 + col];
    // A double only when offered; a hit only when offered; else stand.
    if ((cell === DOUBLE_ELSE_HIT || cell === DOUBLE_ELSE_STAND) && double) return "DOUBLE";
    return (cell === HIT || cell === DOUBLE_ELSE_HIT) && hit ? "HIT" : "STAND";
  };
}

/** Totals the compiled tables cover (0..31); any higher total stands, as every total from 20 up does. */
const TOTALS = 32;
const HIT = 0;
const STAND = 1;
const DOUBLE_ELSE_HIT = 2;
const DOUBLE_ELSE_STAND = 3;

interface CompiledTables {
  /** The play cell per [soft][total][column], the rules below applied (hard 17+ and soft 20+ stand, soft 12 hits). */
  play: Uint8Array;
  /** 1 where a pair (by card value) splits, per [value][column]. */
  split: Uint8Array;
  /** 1 where a hard total surrenders, per [total][column]. */
  surrender: Uint8Array;
}

/** The tables as flat arrays of small codes: one indexed read per decision instead of record and string lookups. */
function compileTables(t: Tables): CompiledTables {
  const play = new Uint8Array(2 * TOTALS * 10);
  const split = new Uint8Array(11 * 10);
  const surrender = new Uint8Array(TOTALS * 10);
  const code = (cell: string): number =>
    cell === "S" ? STAND : cell === "D" ? DOUBLE_ELSE_HIT : cell === "X" ? DOUBLE_ELSE_STAND : HIT;
  for (let total = 0; total < TOTALS; total++) {
    for (let col = 0; col < 10; col++) {
      for (const soft of [false, true]) {
        const row = soft ? t.soft[total] : t.hard[total];
        const cell = total >= 20 || (!soft && total >= 17) ? "S" : soft && total <= 12 ? "H" : (row?.[col] ?? "H");
        play[(soft ? TOTALS * 10 : 0) + total * 10 + col] = code(cell);
      }
      if (t.surrender[total]?.[col] === "R") surrender[total * 10 + col] = 1;
    }
  }
  for (let value = 0; value <= 10; value++) {
    for (let col = 0; col < 10; col++) if (t.pairs[value]?.[col] === "P") split[value * 10 + col] = 1;
  }
  return { play, split, surrender };
}

/** 0 for a dealer 2 ... 8 for a ten-value, 9 for an ace. */
export function dealerColumn(up: Card): number {
  const v = pointValue(up);
  return v === 1 ? 9 : v - 2;
}

/** Picks uniformly among the valid actions (a "random" bot), from an injectable source. */
export function randomStrategy(random: () => number = Math.random): Strategy {
  return (view) => view.validActions[Math.floor(random() * view.validActions.length)] as Action;
}
