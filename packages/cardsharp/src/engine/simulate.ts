import { BlackjackEngine } from "./engine.js";
import type { Rules } from "./rules.js";
import { basicStrategy, type Strategy } from "./strategy/basic-strategy.js";

export interface SimulationOptions {
  rules?: Partial<Rules>;
  seed?: number | string;
  hands: number;
  /** Default: basic strategy for the rules. */
  strategy?: Strategy;
  /** Flat bet per round. Default the table minimum. */
  bet?: number;
}

export interface SimulationResult {
  hands: number;
  /** Sum of initial bets. */
  wagered: number;
  /** Player's net win (negative = house wins). */
  net: number;
  /** House edge in percent of initial bets. */
  houseEdgePercent: number;
}

/** Plays `hands` rounds of one seat through the engine with events off (the fast path). */
export function simulate(options: SimulationOptions): SimulationResult {
  const engine = new BlackjackEngine({ rules: options.rules ?? {}, seed: options.seed ?? 1, gameId: "sim" });
  const strategy = options.strategy ?? basicStrategy(engine.rules);
  const bet = options.bet ?? engine.rules.minBet;
  const start = bet * options.hands * 10;
  const id = engine.addPlayer({ name: "sim", balance: start });
  for (let i = 0; i < options.hands; i++) {
    engine.startRound();
    engine.placeBet(id, bet);
    engine.deal();
    for (let d = engine.decision; d; d = engine.decision) engine.act(id, strategy(d));
  }
  const net = (engine.player(id)?.balance ?? 0) - start;
  const wagered = bet * options.hands;
  return { hands: options.hands, wagered, net, houseEdgePercent: (-net / wagered) * 100 };
}
