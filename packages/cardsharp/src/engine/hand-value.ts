import { type Card, pointValue } from "./cards.js";

/** Best total of a hand: aces count 11 when that does not bust (A+5+6 = 12, A+6 = soft 17). */
export function handTotal(hard: number, aces: number): number {
  return aces > 0 && hard + 10 <= 21 ? hard + 10 : hard;
}

/** True when an ace is being counted as 11. */
export function isSoft(hard: number, aces: number): boolean {
  return aces > 0 && hard + 10 <= 21;
}

/** Total and softness of a list of cards. */
export function evaluate(cards: readonly Card[]): { total: number; soft: boolean; hard: number; aces: number } {
  let hard = 0;
  let aces = 0;
  for (const c of cards) {
    hard += pointValue(c);
    if (c % 13 === 0) aces++;
  }
  return { total: handTotal(hard, aces), soft: isSoft(hard, aces), hard, aces };
}
