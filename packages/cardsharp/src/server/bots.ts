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
  // A Decision is a DecisionView (plus seat fields): strategies take it as it is.
  if (kind === "random") return { kind, bet: (r) => r.minBet, decide: randomStrategy(random) };
  const basic: Strategy = basicStrategy(rules);
  if (kind === "basic") return { kind, bet: (r) => r.minBet, decide: basic };
  const counter = new HiLoCounter(rules.decks);
  return {
    kind,
    bet: (r) => Math.min(r.maxBet, r.minBet * counter.betUnits()),
    decide: (d) => {
      if (d.kind === "insurance") return counter.takeInsurance() ? "INSURANCE" : "NO_INSURANCE";
      return basic(d);
    },
    observe: (type, data) => counter.observeEvent(type, data as { card?: string | null }),
  };
}
