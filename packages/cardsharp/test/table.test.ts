import { afterEach, describe, expect, test, vi } from "vitest";
import type { EngineEventType } from "../src/engine/index.js";
import { BlackjackTable, EventBus, type PendingRequest, WebAdapter } from "../src/server/index.js";

afterEach(() => {
  vi.useRealTimers();
});

/** A table driven by vitest's fake timers with the default timings (30 s decisions). */
function fakeTable(options: { bots?: number; seed?: number } = {}) {
  vi.useFakeTimers();
  const bus = new EventBus();
  const seen: Array<{ type: EngineEventType; data: any }> = [];
  bus.onAny((type, data) => seen.push({ type, data }));
  const adapter = new WebAdapter({ useWebsockets: false });
  const requests: PendingRequest[] = [];
  const table = new BlackjackTable({ bus, seed: options.seed ?? 4, bots: options.bots ?? 0 });
  adapter.attach(table);
  adapter.on("action_request", () => requests.push(table.pending as PendingRequest));
  return { bus, seen, adapter, table, requests, of: (t: EngineEventType) => seen.filter((e) => e.type === t) };
}

describe("BlackjackTable timings (fake timers, default values)", () => {
  test("a human who does not answer for 30 s gets PLAYER_TIMEOUT and STAND", async () => {
    const t = fakeTable({ seed: 21 });
    t.table.seatHuman("h1", "Hugo");
    t.table.start();
    // Bet each round until Hugo has a play decision (naturals and dealer blackjacks end rounds early).
    for (let i = 0; i < 20 && t.table.pending?.decision.kind !== "play"; i++) {
      await vi.advanceTimersByTimeAsync(0);
      if (t.table.checkBet("h1", 10) === undefined) t.table.placeBet("h1", 10);
      await vi.advanceTimersByTimeAsync(0);
      const p = t.table.pending;
      if (p?.decision.kind === "insurance") t.adapter.submitAction("NO_INSURANCE", p.requestId);
      await vi.advanceTimersByTimeAsync(0);
      if ((t.table.pending as PendingRequest | undefined)?.decision.kind === "play") break;
      await vi.advanceTimersByTimeAsync(2000);
    }
    const req = t.table.pending as PendingRequest;
    expect(req.decision.kind).toBe("play");
    expect(t.of("USER_INTERACTION_NEEDED").at(-1)?.data).toMatchObject({ request_id: req.requestId });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(t.of("PLAYER_TIMEOUT")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.of("PLAYER_TIMEOUT").at(-1)?.data).toMatchObject({ player_id: req.playerId, request_id: req.requestId });
    const last = t.of("PLAYER_ACTION").at(-1)?.data;
    expect(last).toMatchObject({ player_id: req.playerId, action: "STAND" });
    await t.table.stop();
  });

  test("with a bet in, betting closes after bettingTimeMs even if a seated human never bets", async () => {
    const t = fakeTable({ bots: 1 });
    t.table.seatHuman("idle", "Idle");
    t.table.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.table.engine.stage).toBe("PLACING_BETS");
    await vi.advanceTimersByTimeAsync(9_999);
    expect(t.of("CARD_DEALT")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.of("CARD_DEALT").length).toBeGreaterThan(0);
    expect(t.of("PLAYER_BET").map((e) => e.data.player_id)).toEqual(["bot-1"]);
    await t.table.stop();
  });

  test("a disconnected human keeps the seat for seatHoldMs, then it is released", async () => {
    const t = fakeTable();
    t.table.seatHuman("gone", "Gone");
    t.table.setPresence("gone", false);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(t.table.seatOf("gone")).toBeDefined();
    t.table.setPresence("gone", true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(t.table.seatOf("gone")).toBeDefined();
    t.table.setPresence("gone", false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.table.seatOf("gone")).toBeUndefined();
    expect(t.of("PLAYER_LEFT").map((e) => e.data.player_name)).toEqual(["Gone"]);
  });

  test("bots play round after round with a pause between rounds; every round ends", async () => {
    const t = fakeTable({ bots: 3, seed: 8 });
    t.table.start();
    await vi.advanceTimersByTimeAsync(2000 * 20);
    const started = t.of("ROUND_STARTED").length;
    const ended = t.of("ROUND_ENDED").length;
    expect(started).toBeGreaterThanOrEqual(20);
    expect(ended === started || ended === started - 1).toBe(true);
    expect(t.of("STRATEGY_DECISION").length).toBeGreaterThan(0);
    await t.table.stop();
  });

  test("a seat that leaves mid-round is not waited for and is removed after the round", async () => {
    const t = fakeTable({ seed: 21 });
    t.table.seatHuman("h1", "Hugo");
    t.table.start();
    for (let i = 0; i < 20 && !t.table.pending; i++) {
      await vi.advanceTimersByTimeAsync(0);
      if (t.table.checkBet("h1", 10) === undefined) t.table.placeBet("h1", 10);
      await vi.advanceTimersByTimeAsync(0);
      if (!t.table.pending) await vi.advanceTimersByTimeAsync(2000);
    }
    expect(t.table.pending?.ownerId).toBe("h1");
    t.table.releaseSeat("h1");
    await vi.advanceTimersByTimeAsync(0);
    expect(t.of("PLAYER_TIMEOUT")).toHaveLength(0);
    expect(t.of("ROUND_ENDED").at(-1)?.data.results).toHaveProperty("player-h1");
    expect(t.of("PLAYER_LEFT").map((e) => e.data.player_id)).toEqual(["player-h1"]);
    expect(t.table.seatOf("h1")).toBeUndefined();
    await t.table.stop();
  });

  test("seats are limited and claimed once per client id", async () => {
    const t = fakeTable({ bots: 6 });
    t.table.seatHuman("one");
    expect(() => t.table.seatHuman("one")).toThrow(expect.objectContaining({ code: "ALREADY_SEATED" }));
    expect(() => t.table.seatHuman("two")).toThrow(expect.objectContaining({ code: "TABLE_FULL" }));
    expect(() => t.table.releaseSeat("two")).toThrow(expect.objectContaining({ code: "NO_SEAT" }));
  });
});
