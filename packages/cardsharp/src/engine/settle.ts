import type { HandResult } from "./events.js";
import type { Hand } from "./hand.js";
import { addMoney, mulMoney } from "./money.js";

/** What one finished hand gets back (stake included), given the dealer's final hand. */
export function settleHand(
  hand: Hand,
  dealer: { total: number; blackjack: boolean },
  blackjackPays: number,
): { result: HandResult; payout: number } {
  const total = hand.total;
  if (hand.surrendered) return { result: "surrender", payout: mulMoney(hand.bet, 0.5) };
  if (hand.evenMoney) return { result: "win", payout: addMoney(hand.bet, hand.bet) };
  if (hand.busted) return { result: "lose", payout: 0 };
  if (hand.isNatural) {
    return dealer.blackjack
      ? { result: "push", payout: hand.bet }
      : { result: "win", payout: addMoney(hand.bet, mulMoney(hand.bet, blackjackPays)) };
  }
  // A dealer blackjack found at the end (no peek) beats every other hand, doubles and splits included.
  if (dealer.blackjack || (total < dealer.total && dealer.total <= 21)) return { result: "lose", payout: 0 };
  if (dealer.total > 21 || total > dealer.total) return { result: "win", payout: addMoney(hand.bet, hand.bet) };
  return { result: "push", payout: hand.bet };
}

/** The dealer draws below 17, and on a soft 17 under H17. */
export function dealerDraws(total: number, soft: boolean, hitsSoft17: boolean): boolean {
  return total < 17 || (total === 17 && soft && hitsSoft17);
}
