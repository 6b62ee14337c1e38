import {
  type Action,
  BlackjackEngine,
  type EngineEventType,
  type EventPayload,
  parseCards,
  type Rules,
} from "../src/engine/index.js";

export interface Recorded {
  type: EngineEventType;
  data: any;
}

/**
 * An engine with a stacked shoe (cards dealt in the given order: each seat, dealer up card, each seat,
 * dealer hole card, then hits) and every event recorded.
 */
export function stackedTable(
  stack: string,
  options: { rules?: Partial<Rules>; seats?: number; balance?: number } = {},
) {
  const events: Recorded[] = [];
  let t = 1000;
  const engine = new BlackjackEngine({
    rules: options.rules ?? {},
    seed: 42,
    gameId: "g1",
    clock: () => t++,
    onEvent: <K extends EngineEventType>(type: K, data: EventPayload<K>) => events.push({ type, data }),
  });
  const ids: string[] = [];
  for (let i = 0; i < (options.seats ?? 1); i++) {
    ids.push(engine.addPlayer({ id: `p${i + 1}`, name: `P${i + 1}`, balance: options.balance ?? 1000 }));
  }
  engine.shoe.stack(parseCards(stack));
  const since = (n: number) => events.slice(n);
  return {
    engine,
    events,
    ids,
    types: (from = 0) => since(from).map((e) => e.type),
    of: (type: EngineEventType) => events.filter((e) => e.type === type).map((e) => e.data),
    /** Starts a round with `bets` (one per seat, default 10 each) and deals. */
    play(bets: number[] = ids.map(() => 10)) {
      engine.startRound();
      for (const [i, b] of bets.entries()) engine.placeBet(ids[i] as string, b);
      engine.deal();
    },
    act(action: Action) {
      const d = engine.decision;
      if (!d) throw new Error("no decision pending");
      engine.act(d.playerId, action);
    },
  };
}
