// One engine figure for `bench/run.ts`, in a process of its own: `tsx bench/engine.ts events|simulate` prints
// `rate <hands per CPU-second>`.
import { BlackjackEngine, basicStrategy, simulate } from "../src/engine/index.js";

/**
 * Hands per second of CPU time (`process.cpuUsage`, this process's user + system time, GC threads included):
 * the machine is shared (other jobs, a loaded CI box), so wall time would measure the neighbours; the median
 * of `runs` runs after a warm-up.
 */
function cpuRate(runs: number, once: (run: number) => number): number {
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const hands = once(i);
    const u = process.cpuUsage(c);
    rates.push(hands / ((u.user + u.system) / 1e6));
  }
  return median(rates);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function engineAlone(): number {
  simulate({ seed: 1, hands: 50_000 }); // warm-up
  return cpuRate(5, (i) => {
    simulate({ seed: 2 + i, hands: 200_000 });
    return 200_000;
  });
}

/** One basic-strategy seat with every event built and delivered to a listener (UI snapshots included). */
function engineWithEvents(): number {
  let events = 0;
  const run = (seed: number, hands: number) => {
    const engine = new BlackjackEngine({ seed, gameId: "bench", onEvent: () => void events++ });
    const strategy = basicStrategy(engine.rules);
    const id = engine.addPlayer({ name: "b", balance: 1e9 });
    for (let i = 0; i < hands; i++) {
      engine.startRound();
      engine.placeBet(id, 5);
      engine.deal();
      for (let d = engine.decision; d; d = engine.decision) engine.act(id, strategy(d));
    }
    return hands;
  };
  run(1, 50_000); // warm-up
  return cpuRate(5, (i) => run(2 + i, 200_000));
}

const mode = process.argv[2];
if (mode !== "events" && mode !== "simulate") throw new Error("usage: bench/engine.ts events|simulate");
console.log(`rate ${mode === "events" ? engineWithEvents() : engineAlone()}`);
