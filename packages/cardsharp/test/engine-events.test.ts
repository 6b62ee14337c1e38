import { describe, expect, test } from "vitest";
import { BlackjackEngine, type EngineEventType, randomStrategy, seededRandom } from "../src/engine/index.js";
import { decimal } from "../src/engine/decimal.js";

/**
 * Plays seeded rounds with random (valid) decisions at a table with several seats, insurance, surrender, doubles
 * and resplits, and seats that come and go; returns every event as emitted, with its JSON taken at emission.
 */
function play(rounds: number) {
  const kept: Array<{ type: EngineEventType; data: unknown; json: string }> = [];
  const engine = new BlackjackEngine({
    seed: 11,
    rules: { decks: 2, surrender: true, maxSplits: 3, resplitAces: true },
    clock: () => 1_700_000_000.25,
    // The JSON at emission, without reading the payload itself (a UI snapshot would build and keep its state).
    onEvent: (type, data) =>
      kept.push({
        type,
        data,
        json: JSON.stringify(
          type === "UI_UPDATE_NEEDED" ? { state: engine.publicState(), timestamp: 1_700_000_000.25 } : data,
        ),
      }),
  });
  const strategy = randomStrategy(seededRandom(12));
  const ids = [1, 2, 3].map((i) => engine.addPlayer({ name: `P${i}`, balance: 500 }));
  for (let r = 0; r < rounds; r++) {
    if (r % 7 === 3) ids.push(engine.addPlayer({ name: `late${r}`, balance: 300 }));
    if (r % 11 === 5 && ids.length > 2) engine.removePlayer(ids.shift() as string);
    engine.startRound();
    const bet = 10 + (r % 3) * 5;
    for (const id of ids) if ((engine.player(id)?.balance ?? 0) >= bet) engine.placeBet(id, bet);
    if (!ids.some((id) => engine.player(id)?.inRound)) {
      engine.abandonRound();
      continue;
    }
    engine.deal();
    for (let d = engine.decision; d; d = engine.decision) engine.act(d.playerId, strategy(d));
  }
  return kept;
}

describe("event payloads", () => {
  test("a payload read after later events is what it was when emitted (UI snapshots included)", () => {
    const kept = play(400);
    const types = new Set(kept.map((e) => e.type));
    for (const t of ["UI_UPDATE_NEEDED", "HAND_SPLIT", "INSURANCE_DECISION", "PLAYER_LEFT"] as const) {
      expect(types.has(t)).toBe(true);
    }
    let differ = 0;
    for (const e of kept) if (JSON.stringify(e.data) !== e.json) differ++;
    expect(differ).toBe(0);
  });

  test("a UI snapshot reads like a plain object: state, timestamp, hole card hidden before the reveal", () => {
    const kept = play(30).filter((e) => e.type === "UI_UPDATE_NEEDED");
    expect(kept.length).toBeGreaterThan(30);
    for (const e of kept) {
      const data = e.data as { state: any; timestamp: number };
      expect(data.timestamp).toBe(1_700_000_000.25);
      expect(JSON.parse(e.json)).toEqual({ state: data.state, timestamp: data.timestamp });
      expect(Object.keys(JSON.parse(e.json))).toEqual(["state", "timestamp"]);
      // Built once: the same object on every read.
      expect(data.state).toBe(data.state);
      const dealer = data.state.dealer;
      if (dealer.hide_second_card) expect(dealer.hand).toHaveLength(1);
      for (const p of data.state.players) for (const h of p.hands) expect(h.value).toBeGreaterThan(0);
    }
  });
});

describe("round and hand ids", () => {
  test("decimal(n) spells String(n) (round and hand ids without the number-to-string cache)", () => {
    const samples = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 1010, 1099, 1100, 9999, 10_000, 100_000, 999_999];
    for (const n of [...samples, 1_000_000, 1_000_001, 1_234_567_890, 2 ** 31, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      expect(decimal(n)).toBe(String(n));
    }
    const wrong: number[] = [];
    for (let n = 0; n < 1_002_000; n++) if (decimal(n) !== String(n)) wrong.push(n); // both branches, every value
    expect(wrong).toEqual([]);
    const random = seededRandom(3);
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor(random() * 10 ** (1 + (i % 12)));
      expect(decimal(n)).toBe(String(n));
    }
  });

  test("round ids count from 0 and hand ids are <round>-<seq>, as before", () => {
    const ids: string[] = [];
    const engine = new BlackjackEngine({
      seed: 4,
      onEvent: (type, data) => {
        if (type === "PLAYER_BET") ids.push((data as { round_id: string }).round_id);
        if (type === "PLAYER_DECISION_NEEDED") ids.push((data as { hand_id: string }).hand_id);
      },
    });
    const id = engine.addPlayer({ name: "a", balance: 1e6 });
    for (let r = 0; r < 1200; r++) {
      engine.startRound();
      engine.placeBet(id, 10);
      engine.deal();
      for (let d = engine.decision; d; d = engine.decision)
        engine.act(id, d.kind === "play" ? "STAND" : "NO_INSURANCE");
    }
    expect(ids[0]).toBe("0");
    expect(ids).toContain("1000");
    expect(ids).toContain("1199");
    expect(ids.some((x) => /^1\d{3}-1\d{3}$/.test(x))).toBe(true);
    expect(engine.roundId).toBe("1199");
  });
});
