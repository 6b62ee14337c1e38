import type { Decision } from "../engine/engine.js";
import type { Action, EngineEventType } from "../engine/events.js";
import type { Rules } from "../engine/rules.js";
import { basicStrategy, randomStrategy, type Strategy } from "../engine/strategy/basic-strategy.js";
import { HiLoCounter } from "../engine/strategy/hi-lo.js";

export type BotKind = "basic" | "random" | "hilo";

/** A seat played by the server itself: how much it bets and what it does. */
export interface Bot {
  readonly kind: BotKind;
  bet(rules: Rules): number;
  decide(decision: Decision): Action;
  /** Sees every table event (the counter needs them). */
  observe?(type: EngineEventType, data: unknown): void;
}

/** A bot by kind: flat-betting basic strategy, uniformly random, or a Hi-Lo counter with upstream's bet ramp. */
export function createBot(kind: BotKind, rules: Rules, random: () => number = Math.random): Bot {
  const view = (d: Decision) => ({
    kind: d.kind,
    cards: d.cards,
    dealerUpcard: d.dealerUpcard,
    validActions: d.validActions,
  });
  if (kind === "random") {
    const s = randomStrategy(random);
    return { kind, bet: (r) => r.minBet, decide: (d) => s(view(d)) };
  }
  const basic: Strategy = basicStrategy(rules);
  if (kind === "basic") return { kind, bet: (r) => r.minBet, decide: (d) => basic(view(d)) };
  const counter = new HiLoCounter(rules.decks);
  return {
    kind,
    bet: (r) => Math.min(r.maxBet, r.minBet * counter.betUnits()),
    decide: (d) => {
      if (d.kind === "insurance") return counter.takeInsurance() ? "INSURANCE" : "NO_INSURANCE";
      return basic(view(d));
    },
    observe: (type, data) => counter.observeEvent(type, data as { card?: string | null }),
  };
}
