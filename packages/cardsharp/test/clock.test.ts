import { afterEach, describe, expect, test, vi } from "vitest";
import { epochSeconds, READS_PER_NOW } from "../src/engine/clock.js";
import { BlackjackEngine, basicStrategy } from "../src/engine/index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Lets the microtask that drops a cached reading run (it was queued before this continuation). */
async function nextRun(): Promise<void> {
  await Promise.resolve();
}

describe("the engines' default clock", () => {
  test("every event's timestamp is a Date.now() taken during the step or at most READS_PER_NOW - 1 steps before", async () => {
    await nextRun(); // no reading cached from before the first step
    // Each step reads the clock at least once, so the reading it gets is one taken before it ended and no
    // earlier than the Date.now() read just before the step READS_PER_NOW - 1 steps back.
    const before: number[] = [];
    const after: number[] = [];
    const stamps: number[][] = [];
    let step = -1;
    const engine = new BlackjackEngine({
      seed: 3,
      onEvent: (_type, data) => {
        const ts = (data as { timestamp?: number }).timestamp;
        if (ts !== undefined) stamps[step]?.push(ts);
      },
    });
    const strategy = basicStrategy(engine.rules);
    let id = "";
    const run = (f: () => void) => {
      step++;
      stamps.push([]);
      before.push(Date.now());
      f();
      after.push(Date.now());
    };
    run(() => {
      id = engine.addPlayer({ name: "a", balance: 1e6 });
    });
    for (let hand = 0; hand < 1000; hand++) {
      run(() => engine.startRound());
      run(() => engine.placeBet(id, 5));
      run(() => engine.deal());
      for (let d = engine.decision; d; d = engine.decision) {
        const action = strategy(d);
        run(() => engine.act(id, action));
      }
    }
    let previous = 0;
    let checked = 0;
    const wrong: string[] = [];
    for (let k = 0; k < stamps.length; k++) {
      const earliest = before[Math.max(0, k - (READS_PER_NOW - 1))] as number;
      for (const ts of stamps[k] as number[]) {
        const ms = Math.round(ts * 1000);
        if (ms < earliest || ms > (after[k] as number))
          wrong.push(`step ${k}: ${ms} not in [${earliest}, ${after[k]}]`);
        if (ts < previous) wrong.push(`step ${k}: ${ts} after ${previous}`); // monotonic, as Date.now() is
        previous = ts;
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(15_000);
  });

  test("one Date.now() serves READS_PER_NOW reads of one synchronous run, then the clock is read again", async () => {
    await nextRun();
    let ms = 1_700_000_000_000;
    const now = vi.spyOn(Date, "now").mockImplementation(() => (ms += 7));
    const first = epochSeconds();
    expect(first).toBe(1_700_000_000.007);
    for (let i = 1; i < READS_PER_NOW; i++) expect(epochSeconds()).toBe(first);
    expect(now).toHaveBeenCalledTimes(1);
    expect(epochSeconds()).toBe(1_700_000_000.014);
    expect(now).toHaveBeenCalledTimes(2);
  });

  test("a read after an await (a new microtask) reads the clock afresh", async () => {
    await nextRun();
    let ms = 1_700_000_000_000;
    const now = vi.spyOn(Date, "now").mockImplementation(() => (ms += 250));
    expect(epochSeconds()).toBe(1_700_000_000.25);
    expect(epochSeconds()).toBe(1_700_000_000.25);
    await nextRun();
    expect(epochSeconds()).toBe(1_700_000_000.5);
    await nextRun();
    expect(epochSeconds()).toBe(1_700_000_000.75);
    expect(now).toHaveBeenCalledTimes(3);
  });

  test("an engine step after an await carries a fresh timestamp", async () => {
    await nextRun();
    let ms = 1_800_000_000_000;
    vi.spyOn(Date, "now").mockImplementation(() => ms);
    const stamps: number[] = [];
    const engine = new BlackjackEngine({
      seed: 4,
      onEvent: (_type, data) => stamps.push((data as { timestamp: number }).timestamp),
    });
    engine.addPlayer({ name: "a" });
    engine.startRound();
    expect(stamps.at(-1)).toBe(1_800_000_000);
    ms += 1500;
    await nextRun();
    engine.abandonRound();
    expect(stamps.at(-1)).toBe(1_800_000_001.5);
  });

  test("a clock given in the options is read once per step, as before", () => {
    let t = 100;
    const stamps: number[] = [];
    const engine = new BlackjackEngine({
      seed: 5,
      clock: () => t++,
      onEvent: (_type, data) => stamps.push((data as { timestamp: number }).timestamp),
    });
    const id = engine.addPlayer({ name: "a" });
    engine.startRound();
    engine.placeBet(id, 10);
    // start() (4 events at 100), PLAYER_JOINED (101), ROUND_STARTED (102), PLAYER_BET (103).
    expect(stamps).toEqual([100, 100, 100, 100, 101, 102, 103]);
  });
});
