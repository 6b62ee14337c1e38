import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { NodeWebSocket } from "@proj/ws-core/node";
import { disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { BlackjackEngine, basicStrategy, type EngineEventType, parseCards } from "../src/engine/index.js";
import { BlackjackTable, EventBus, type PendingRequest, type TableOptions } from "../src/server/index.js";
import { type WebSocket, WebSocketServer } from "ws";
import { describeEvent } from "../src/cli/describe-event.js";
import { type ActionRequestData, basicStrategyPlayer, CardsharpClient } from "../src/client/index.js";
import { ManualTimers } from "./manual-timers.js";
import { rawClient, startServer } from "./server-helpers.js";

afterEach(disposeLeftovers);

/** Lets the table's async loop run until it waits for a timer or a person. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A table on a manual clock whose shoe starts with `stack` (seat card, dealer up, seat card, hole, hits). */
function manualTable(stack: string, options: Partial<TableOptions> = {}) {
  const timers = new ManualTimers();
  const bus = new EventBus();
  const seen: Array<{ type: EngineEventType; data: any }> = [];
  bus.onAny((type, data) => seen.push({ type, data }));
  const requests: PendingRequest[] = [];
  const table = new BlackjackTable({ bus, seed: 4, timers, ...options });
  table.adapter = { requestPlayerAction: (r) => requests.push(r) };
  table.engine.shoe.stack(parseCards(stack));
  return { timers, table, requests, of: (t: EngineEventType) => seen.filter((e) => e.type === t) };
}

/** Seats "Hugo" (h1), opens the round and bets 10: the table then waits for Hugo's first decision. */
async function seatAndBet(t: ReturnType<typeof manualTable>): Promise<void> {
  t.table.seatHuman("h1", "Hugo");
  t.table.start();
  await settle();
  t.table.placeBet("h1", 10);
  await settle();
}

describe("table fixes (issue 14)", () => {
  test("defect 5: an owner who says disconnect during their turn does not stall the round (STAND at once)", async () => {
    const t = manualTable("10♠ 9♥ 7♦ 7♣");
    await seatAndBet(t);
    expect(t.table.pending?.decision.kind).toBe("play");
    t.table.setPresence("h1", false, true);
    await settle(); // no clock movement: nothing waits for the decision timeout
    expect(t.table.pending).toBeUndefined();
    expect(t.of("PLAYER_TIMEOUT")).toHaveLength(0);
    expect(t.of("PLAYER_ACTION").at(-1)?.data).toMatchObject({ player_id: "player-h1", action: "STAND" });
    expect(t.of("ROUND_ENDED")).toHaveLength(1);
    await t.table.stop();
  });

  test("defect 5: a disconnected owner's later hands are played without asking", async () => {
    // 8,8 against a 9: split, then the owner goes; the second hand is not asked.
    const t = manualTable("8♠ 9♥ 8♦ 7♣ 3♠ 10♥");
    await seatAndBet(t);
    const first = t.table.pending as PendingRequest;
    expect(first.decision.validActions).toContain("SPLIT");
    t.table.answer("h1", first.requestId, "SPLIT");
    await settle();
    expect(t.table.pending).toBeDefined();
    const asked = t.requests.length;
    t.table.setPresence("h1", false, true);
    await settle();
    expect(t.requests).toHaveLength(asked);
    expect(t.of("ROUND_ENDED")).toHaveLength(1);
    expect(t.of("HAND_RESULT")).toHaveLength(2);
    await t.table.stop();
  });

  test("defect 5: a dropped connection gets disconnectGraceMs (5 s) to come back, not the 30 s timeout", async () => {
    const t = manualTable("10♠ 9♥ 7♦ 7♣");
    await seatAndBet(t);
    expect(t.table.pending?.decision.kind).toBe("play");
    t.table.setPresence("h1", false);
    t.timers.advance(4999);
    await settle();
    expect(t.table.pending).toBeDefined();
    t.timers.advance(1);
    await settle();
    expect(t.table.pending).toBeUndefined();
    expect(t.of("PLAYER_TIMEOUT")).toHaveLength(0);
    expect(t.of("PLAYER_ACTION").at(-1)?.data).toMatchObject({ player_id: "player-h1", action: "STAND" });
    expect(t.of("ROUND_ENDED")).toHaveLength(1);
    await t.table.stop();
  });

  test("defect 5: leaving during the turn answers at once and the seat is released after the round", async () => {
    const t = manualTable("10♠ 9♥ 7♦ 7♣");
    await seatAndBet(t);
    expect(t.table.pending?.ownerId).toBe("h1");
    t.table.releaseSeat("h1");
    await settle();
    expect(t.of("PLAYER_TIMEOUT")).toHaveLength(0);
    expect(t.of("ROUND_ENDED")).toHaveLength(1);
    expect(t.table.seatOf("h1")).toBeUndefined();
    expect(t.table.seatCount).toBe(0);
    await t.table.stop();
  });

  test("defect 4: a hand that can only STAND is answered without an action_request", async () => {
    // A,A against a 9, resplit aces allowed but one split at most: both split hands draw an ace, and a
    // pair of split aces that can be neither hit nor resplit can only stand.
    const t = manualTable("A♠ 9♥ A♦ 7♣ A♣ A♥", { rules: { resplitAces: true, maxSplits: 1 } });
    t.table.seatHuman("h1", "Hugo");
    t.table.start();
    await settle();
    t.table.placeBet("h1", 10);
    for (let i = 0; i < 10 && !t.of("ROUND_ENDED").length; i++) {
      await settle();
      const p = t.table.pending;
      if (!p) continue;
      t.table.answer("h1", p.requestId, p.decision.validActions.includes("SPLIT") ? "SPLIT" : "STAND");
    }
    await settle();
    expect(t.of("ROUND_ENDED")).toHaveLength(1);
    expect(t.of("PLAYER_TIMEOUT")).toHaveLength(0);
    // Some hand had STAND as its only action, and no request was sent for it.
    const standOnly = t.of("PLAYER_DECISION_NEEDED").filter((e) => e.data.valid_actions.length === 1);
    expect(standOnly.length).toBeGreaterThan(0);
    expect(t.requests.filter((r) => r.decision.validActions.length === 1)).toHaveLength(0);
    await t.table.stop();
  });

  test("defect 6: names are unique per table (defaults and requested names)", async () => {
    const t = manualTable("");
    const a = t.table.seatHuman("a");
    const b = t.table.seatHuman("b");
    expect([a.player_name, b.player_name]).toEqual(["Player 1", "Player 2"]);
    t.table.releaseSeat("a");
    const c = t.table.seatHuman("c");
    expect(c.player_name).not.toBe(b.player_name);
    const d = t.table.seatHuman("d", "Ann");
    const e = t.table.seatHuman("e", "ann");
    const f = t.table.seatHuman("f", "Ann");
    expect([d.player_name, e.player_name, f.player_name]).toEqual(["Ann", "ann (2)", "Ann (3)"]);
    const names = t.table.engine.players.map((p) => p.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  });

  test("defect 1: a client that subscribes after ROUND_STARTED went out gets it again and can bet", async () => {
    const { server, url } = await startServer({ autoSeat: true, autoStart: false });
    const c = await rawClient(url);
    await c.connect("late");
    server.table.start();
    // The round opens before this client subscribes (what the CLI and upstream's example client hit).
    await waitFor(() => server.table.openRound !== undefined, { timeoutMs: 30_000 });
    const ack = await c.subscribe(["ROUND_STARTED", "PLAYER_BET"]);
    expect(ack.data.subscriptions).toContain("ROUND_STARTED");
    const started = await c.event("ROUND_STARTED", () => true, 30_000);
    expect(started.data.data).toMatchObject({ round_id: server.table.openRound?.round_id, min_bet: 5 });
    c.send({ type: "action", data: { action: "place_bet", data: { amount: 10 } } });
    const bet = await c.event("PLAYER_BET", () => true, 30_000);
    expect(bet.data.data).toMatchObject({ player_id: "player-late" });
  });

  test("defect 1: with no bet in, an open round is abandoned after betDeadlineMs (30 s) and the next opens", async () => {
    const t = manualTable("");
    t.table.seatHuman("idle", "Idle");
    t.table.start();
    await settle();
    expect(t.of("ROUND_STARTED")).toHaveLength(1);
    t.timers.advance(29_999);
    await settle();
    expect(t.of("ROUND_ENDED")).toHaveLength(0);
    t.timers.advance(1);
    await settle();
    expect(t.of("ROUND_ENDED")).toHaveLength(1);
    expect(t.of("CARD_DEALT")).toHaveLength(0);
    t.timers.advance(t.table.timings.roundPauseMs);
    await settle();
    expect(t.of("ROUND_STARTED")).toHaveLength(2);
    expect(t.table.seatOf("idle")).toBeDefined(); // a connected seat stays; it bets in a later round
    await t.table.stop();
  });

  test("defect 2: money is kept to the cent (no float drift); bets with more than 2 decimals are refused", async () => {
    // 10,7 against 9,K: the seat stands and loses 990.10 of 1000.
    const lose = manualTable("10♠ 9♥ 7♦ K♣");
    lose.table.seatHuman("h1", "Hugo");
    lose.table.start();
    await settle();
    expect(lose.table.checkBet("h1", 5.001)).toMatchObject({ code: "BET_REJECTED" });
    lose.table.placeBet("h1", 990.1);
    await settle();
    const p = lose.table.pending as PendingRequest;
    lose.table.answer("h1", p.requestId, "STAND");
    await settle();
    expect(lose.of("ROUND_ENDED").at(-1)?.data.results["player-h1"]).toMatchObject({ balance: 9.9, net: -990.1 });
    expect(lose.table.seatOf("h1")?.balance).toBe(9.9);
    // The 9.90 left is a bet the seat can afford.
    lose.timers.advance(lose.table.timings.roundPauseMs);
    await settle();
    expect(lose.table.checkBet("h1", 9.9)).toBeUndefined();
    await lose.table.stop();

    // A 6:5 blackjack on a cent bet: 5.55 pays 6.66, the balance stays on whole cents.
    const bj = manualTable("A♠ 9♥ K♦ 7♣", { rules: { blackjackPays: 1.2 } });
    bj.table.seatHuman("h1", "Hugo");
    bj.table.start();
    await settle();
    bj.table.placeBet("h1", 5.55);
    await settle();
    expect(bj.of("ROUND_ENDED").at(-1)?.data.results["player-h1"]).toMatchObject({ balance: 1006.66, net: 6.66 });
    await bj.table.stop();
  });

  test("defect 2: the engine keeps integer cents; a long 6:5 run with cent bets ends on exact balances", () => {
    const wire: number[] = [];
    let netCents = 0;
    const engine = new BlackjackEngine({
      seed: 11,
      rules: { blackjackPays: 1.2, minBet: 0.01 },
      onEvent: (type, data) => {
        const d = data as Record<string, any>;
        if (type === "ROUND_ENDED") netCents += Math.round((d.results["player-1"]?.net ?? 0) * 100);
        for (const k of ["balance", "new_balance", "amount", "payout", "bet"]) {
          if (typeof d[k] === "number") wire.push(d[k] as number);
        }
      },
    });
    const id = engine.addPlayer({ name: "cents", balance: 1000 });
    const strategy = basicStrategy(engine.rules);
    const bets = [0.05, 0.15, 1.35, 5.55, 0.01, 2.45, 9.99];
    for (let i = 0; i < 3000; i++) {
      engine.startRound();
      engine.placeBet(id, bets[i % bets.length] as number);
      engine.deal();
      for (let d = engine.decision; d; d = engine.decision) {
        engine.act(id, d.kind === "insurance" ? (i % 2 ? "INSURANCE" : "NO_INSURANCE") : strategy(d));
      }
      const p = engine.player(id);
      expect(Number.isInteger(p?.balanceCents)).toBe(true);
      expect(p?.balance).toBe((p?.balanceCents as number) / 100);
    }
    // Every amount on the wire is the exact two-decimal number (what JSON prints), never 0.6000000000000227.
    expect(wire.length).toBeGreaterThan(3000 * 4);
    expect(wire.filter((a) => Math.round(a * 100) / 100 !== a)).toEqual([]);
    expect(wire.filter((a) => /\.\d{3}/.test(JSON.stringify(a)))).toEqual([]);
    // The bankroll is the start plus the sum of the rounds' nets, to the cent.
    expect(netCents).not.toBe(0);
    expect(engine.player(id)?.balanceCents).toBe(100_000 + netCents);
  });

  test("defect 3: against upstream-shaped requests (no cards) our client builds the hand from the events", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    trackLeftover(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    await once(wss, "listening");
    const answers: any[] = [];
    const push = (ws: WebSocket, type: string, data: object) =>
      ws.send(JSON.stringify({ type, data, timestamp: Date.now() / 1000 }));
    const reply = (ws: WebSocket, type: string, data: object) => ws.send(JSON.stringify({ type, data }));
    wss.on("connection", (ws) => {
      ws.on("message", (raw) => {
        const m = JSON.parse(String(raw));
        if (m.type === "connect") {
          push(ws, "connected", { client_id: m.data.client_id });
          push(ws, "event", { event_type: "ROUND_STARTED", data: { game_id: "g" } });
          const dealt = (card: string, extra: object) =>
            push(ws, "event", { event_type: "CARD_DEALT", data: { card, ...extra } });
          dealt("10♠", { is_dealer: false, player_id: "p-1" });
          dealt("6♦", { is_dealer: true, is_hole_card: false });
          dealt("9♥", { is_dealer: false, player_id: "p-1" });
          // Upstream's request: no cards, no hand value, no dealer up card.
          const request = {
            request_id: "r-1",
            player_id: "p-1",
            player_name: "Alice",
            valid_actions: ["HIT", "STAND"],
          };
          push(ws, "action_request", { ...request, pending: true, timestamp: Date.now() / 1000 });
        } else if (m.type === "subscribe") {
          reply(ws, "connected", { subscriptions: m.data.event_types });
        } else if (m.type === "action") {
          if (m.data.action === "player_action") answers.push(m.data.data);
          reply(ws, "event", { event_type: "action_received" });
        }
      });
    });
    const port = (wss.address() as AddressInfo).port;
    const requests: ActionRequestData[] = [];
    const c = new CardsharpClient({
      url: `ws://127.0.0.1:${port}`,
      WebSocket: NodeWebSocket,
      strategy: basicStrategyPlayer(),
      backoff: { minDelayMs: 10, maxDelayMs: 50 },
    });
    trackLeftover(() => c.close());
    c.on("action_request", (r) => requests.push(r));
    await waitFor(() => answers.length > 0, { timeoutMs: 30_000 });
    // Hard 19 against a 6 stands (with no cards basic strategy used to HIT everything).
    expect(answers[0]).toEqual({ action: "STAND", request_id: "r-1" });
    expect(requests[0]).toMatchObject({ cards: ["10♠", "9♥"], hand_value: 19, dealer_upcard: "6♦" });
    // The CLI prints only what it knows.
    expect(describeEvent("ROUND_STARTED", { game_id: "g" }, undefined)).toBe("--- NEW ROUND ---");
    expect(describeEvent("DEALER_ACTION", { action: "HIT" }, undefined)).toBe("Dealer: HIT");
    expect(describeEvent("CARD_REVEALED", { card: "K♠" }, undefined)).toBe("Dealer reveals K♠");
  });

  test("defect 7: a slow reader whose frames are dropped gets resync {lost, state} once it catches up", async () => {
    const { server, url } = await startServer({
      autoStart: false,
      maxBufferedBytes: 16 * 1024,
      slowConsumer: { policy: "drop", maxQueue: 8 },
    });
    const slow = await rawClient(url);
    await slow.connect("slow");
    await slow.subscribe(["CUSTOM_EVENT"]);
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause(); // stop reading: the kernel buffers fill, then the server queues and drops
    const blob = "x".repeat(16 * 1024);
    let sent = 0;
    while (server.endpoint.stats.dropped === 0) {
      // Bounded: 4,000 frames are 64 MB, far past any socket buffer.
      if (sent >= 4000) throw new Error(`nothing dropped after ${sent} frames`);
      server.bus.emit("CUSTOM_EVENT", { event_name: "blob", n: ++sent, blob });
      await new Promise<void>((r) => setImmediate(r));
    }
    socket.resume();
    const resync = await slow.expect("resync", () => true, 60_000);
    expect(resync.data.lost).toBeGreaterThan(0);
    expect(resync.data.state).toMatchObject({ players: expect.any(Array) });
    const events = slow.all().filter((m) => m.type === "event" && m.data.event_type === "CUSTOM_EVENT");
    expect(events.length + resync.data.lost).toBe(sent);
    // Every pushed frame carries its seq; the resync names the first and last seq lost, and exactly the seqs
    // missing from what arrived lie in that range (the drop policy loses the oldest queued, so they are contiguous).
    const seqs = slow.all().flatMap((m) => (typeof m.seq === "number" ? [m.seq] : []));
    expect(seqs.length).toBeGreaterThan(0);
    const arrived = new Set(seqs);
    const missing: number[] = [];
    for (let n = 1; n < (resync.seq as number); n++) if (!arrived.has(n)) missing.push(n);
    expect(missing.length).toBe(resync.data.lost);
    expect(resync.data.from).toBe(missing[0]);
    expect(resync.data.to).toBe(missing.at(-1));
    expect(resync.data.to - resync.data.from + 1).toBe(resync.data.lost);
  });

  test("defect 7: our client takes the resync snapshot as its state and emits resync", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    trackLeftover(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    await once(wss, "listening");
    const state = { stage: "PLAYER_TURN", players: [], dealer: { hand: [], value: 0 }, current: null };
    wss.on("connection", (ws) => {
      ws.on("message", (raw) => {
        const m = JSON.parse(String(raw));
        const ts = Date.now() / 1000;
        if (m.type === "connect") {
          ws.send(JSON.stringify({ type: "connected", data: { client_id: m.data.client_id }, timestamp: ts }));
          ws.send(JSON.stringify({ type: "resync", data: { lost: 3, from: 2, to: 4, state }, timestamp: ts, seq: 5 }));
        } else if (m.type === "subscribe") {
          ws.send(JSON.stringify({ type: "connected", data: { subscriptions: m.data.event_types } }));
        }
      });
    });
    const port = (wss.address() as AddressInfo).port;
    const c = new CardsharpClient({ url: `ws://127.0.0.1:${port}`, WebSocket: NodeWebSocket });
    trackLeftover(() => c.close());
    const got = await new Promise<{ lost: number }>((resolve) => c.on("resync", resolve));
    expect(got).toMatchObject({ lost: 3, from: 2, to: 4, state });
    expect(c.lastSeq).toBe(5);
    expect(c.state).toMatchObject({ stage: "PLAYER_TURN" });
  });
});
