import { parseCard } from "../engine/cards.js";
import type { Action } from "../engine/events.js";
import type { Rules } from "../engine/rules.js";
import { basicStrategy, randomStrategy } from "../engine/strategy/basic-strategy.js";
import type { ActionRequestData } from "../protocol/messages.js";
import type { BetPolicy, PlayerStrategy } from "./cardsharp-client.js";

/** Plays basic strategy from the request's `cards` and `dealer_upcard` (S17 + DAS unless told). */
export function basicStrategyPlayer(
  rules: Pick<Rules, "dealerHitsSoft17" | "doubleAfterSplit"> = { dealerHitsSoft17: false, doubleAfterSplit: true },
): PlayerStrategy {
  const s = basicStrategy(rules);
  return (r: ActionRequestData) =>
    s({
      kind: r.decision ?? "play",
      cards: (r.cards ?? []).map(parseCard),
      dealerUpcard: parseCard(r.dealer_upcard ?? "2"),
      validActions: r.valid_actions,
    });
}

/** Picks any valid action at random. */
export function randomPlayer(random: () => number = Math.random): PlayerStrategy {
  const s = randomStrategy(random);
  return (r) => s({ kind: r.decision ?? "play", cards: [], dealerUpcard: 0, validActions: r.valid_actions });
}

/** Always the same action when valid, else STAND (handy in tests and for a "stand on everything" bot). */
export function fixedPlayer(action: Action): PlayerStrategy {
  return (r) => (r.valid_actions.includes(action) ? action : r.decision === "insurance" ? "NO_INSURANCE" : "STAND");
}

/** Bets the table minimum every round. */
export const flatMinimumBet: BetPolicy = ({ minBet }) => minBet;
