import type { HandResult } from "./events.js";
import type { Hand } from "./hand.js";
import { mulCents } from "./money.js";

/** What one finished hand gets back in cents (stake included), given the dealer's final hand. */
export function settleHand(
  hand: Hand,
  dealer: { total: number; blackjack: boolean },
  blackjackPays: number,
): { result: HandResult; payout: number } {
  const total = hand.total;
  if (hand.surrendered) return { result: "surrender", payout: mulCents(hand.stake, 0.5) };
  if (hand.evenMoney) return { result: "win", payout: 2 * hand.stake };
  if (hand.busted) return { result: "lose", payout: 0 };
  if (hand.isNatural) {
    return dealer.blackjack
      ? { result: "push", payout: hand.stake }
      : { result: "win", payout: hand.stake + mulCents(hand.stake, blackjackPays) };
  }
  // A dealer blackjack found at the end (no peek) beats every other hand, doubles and splits included.
  if (dealer.blackjack || (total < dealer.total && dealer.total <= 21)) return { result: "lose", payout: 0 };
  if (dealer.total > 21 || total > dealer.total) return { result: "win", payout: 2 * hand.stake };
  return { result: "push", payout: hand.stake };
}

/** The dealer draws below 17, and on a soft 17 under H17. */
export function dealerDraws(total: number, soft: boolean, hitsSoft17: boolean): boolean {
  return total < 17 || (total === 17 && soft && hitsSoft17);
}
