import { type Card, pointValue, rankIndex } from "./cards.js";
import type { PlayAction } from "./events.js";
import { handTotal } from "./hand-value.js";
import type { Rules } from "./rules.js";

/** One player hand in a round; totals are kept incrementally (hard total with aces as 1, plus the ace count). */
export class Hand {
  readonly id: string;
  readonly cards: Card[] = [];
  hard = 0;
  aces = 0;
  /** The stake on this hand, in integer cents (doubles included). */
  stake: number;
  /** Born from a split: a 21 on two cards is not a blackjack. */
  readonly fromSplit: boolean;
  doubled = false;
  surrendered = false;
  busted = false;
  evenMoney = false;
  /** No more decisions for this hand. */
  done = false;

  constructor(id: string, stake: number, fromSplit = false) {
    this.id = id;
    this.stake = stake;
    this.fromSplit = fromSplit;
  }

  add(card: Card): void {
    this.cards.push(card);
    this.hard += pointValue(card);
    if (card % 13 === 0) this.aces++;
  }

  get total(): number {
    return handTotal(this.hard, this.aces);
  }

  get isNatural(): boolean {
    return !this.fromSplit && this.cards.length === 2 && this.total === 21;
  }

  get isSplitAces(): boolean {
    return this.fromSplit && this.cards.length > 0 && rankIndex(this.cards[0] as Card) === 0;
  }

  get isPair(): boolean {
    return this.cards.length === 2 && rankIndex(this.cards[0] as Card) === rankIndex(this.cards[1] as Card);
  }
}

/** What a seat may do with `hand` now; `handsInSeat` counts its split hands, `balance` the cents it can still stake. */
export function validPlayActions(hand: Hand, rules: Rules, handsInSeat: number, balance: number): PlayAction[] {
  let mask = 0;
  const two = hand.cards.length === 2;
  const canSplit =
    two &&
    hand.isPair &&
    handsInSeat < rules.maxSplits + 1 &&
    balance >= hand.stake &&
    (!hand.isSplitAces || rules.resplitAces);
  // Split aces get one card each unless the rules allow hitting them.
  const mayDraw = !hand.isSplitAces || rules.hitSplitAces;
  if (mayDraw) mask |= 1;
  if (
    mayDraw &&
    two &&
    balance >= hand.stake &&
    (!hand.fromSplit || rules.doubleAfterSplit) &&
    doubleTotalOk(hand, rules)
  ) {
    mask |= 2;
  }
  if (canSplit) mask |= 4;
  if (two && (rules.surrender || rules.earlySurrender) && !hand.fromSplit && handsInSeat === 1) mask |= 8;
  // A copy of the list for this combination: an array of the right size (no growth from empty), the caller's own.
  return (ACTION_LISTS[mask] as readonly PlayAction[]).slice();
}

/** The valid-action lists by combination (1 HIT, 2 DOUBLE, 4 SPLIT, 8 SURRENDER; STAND always), in wire order. */
const ACTION_LISTS: ReadonlyArray<readonly PlayAction[]> = Array.from({ length: 16 }, (_, m) => {
  const out: PlayAction[] = [];
  if (m & 1) out.push("HIT");
  out.push("STAND");
  if (m & 2) out.push("DOUBLE");
  if (m & 4) out.push("SPLIT");
  if (m & 8) out.push("SURRENDER");
  return out;
});

function doubleTotalOk(hand: Hand, rules: Rules): boolean {
  if (rules.doubleOn === "any") return true;
  // Restricted doubles are for hard totals only (A+8 is a soft 19, not a 9).
  if (hand.total !== hand.hard) return false;
  const t = hand.hard;
  return rules.doubleOn === "9-11" ? t >= 9 && t <= 11 : t >= 10 && t <= 11;
}
