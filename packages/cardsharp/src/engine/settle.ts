import type { HandResult } from "./events.js";
import type { Hand } from "./hand.js";
import { mulCents } from "./money.js";

/** One hand's settlement: filled in place by `settleHand` (the engine reuses one, nothing is allocated per hand). */
export interface Settlement {
  result: HandResult;
  /** Cents returned, stake included. */
  payout: number;
}

/** What one finished hand gets back in cents (stake included), given the dealer's final hand; written to `out`. */
export function settleHand(
  hand: Hand,
  dealerTotal: number,
  dealerBlackjack: boolean,
  blackjackPays: number,
  out: Settlement,
): Settlement {
  const total = hand.total;
  const stake = hand.stake;
  if (hand.surrendered) return set(out, "surrender", mulCents(stake, 0.5));
  if (hand.evenMoney) return set(out, "win", 2 * stake);
  if (hand.busted) return set(out, "lose", 0);
  if (hand.isNatural) {
    return dealerBlackjack ? set(out, "push", stake) : set(out, "win", stake + mulCents(stake, blackjackPays));
  }
  // A dealer blackjack found at the end (no peek) beats every other hand, doubles and splits included.
  if (dealerBlackjack || (total < dealerTotal && dealerTotal <= 21)) return set(out, "lose", 0);
  if (dealerTotal > 21 || total > dealerTotal) return set(out, "win", 2 * stake);
  return set(out, "push", stake);
}

function set(out: Settlement, result: HandResult, payout: number): Settlement {
  out.result = result;
  out.payout = payout;
  return out;
}

/** The dealer draws below 17, and on a soft 17 under H17. */
export function dealerDraws(total: number, soft: boolean, hitsSoft17: boolean): boolean {
  return total < 17 || (total === 17 && soft && hitsSoft17);
}
