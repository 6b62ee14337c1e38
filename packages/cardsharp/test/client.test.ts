import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { NodeWebSocket } from "@proj/ws-core/node";
import { bundleForBrowser, disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import {
  type ActionRequestData,
  basicStrategyPlayer,
  CardsharpClient,
  type CardsharpClientOptions,
  CardsharpError,
  fixedPlayer,
  flatMinimumBet,
  type GameEvent,
} from "../src/client/index.js";
import { ManualTimers } from "./manual-timers.js";
import { startServer } from "./server-helpers.js";

afterEach(disposeLeftovers);

function client(options: CardsharpClientOptions): CardsharpClient {
  const c = new CardsharpClient({ WebSocket: NodeWebSocket, backoff: { minDelayMs: 10, maxDelayMs: 50 }, ...options });
  trackLeftover(() => c.close());
  return c;
}

describe("CardsharpClient", () => {
  test("plays as a basic-strategy bot: bets, answers requests, and its bankroll adds up", async () => {
    const { url } = await startServer({ bots: 1, seed: 11 });
    const events: GameEvent[] = [];
    const c = client({ url, join: { name: "Robo" }, strategy: basicStrategyPlayer(), bet: flatMinimumBet });
    c.on("event", (e) => events.push(e));
    const requests: string[] = [];
    c.on("action_request", (r) => requests.push(r.request_id));
    const connected = await c.connected();
    expect(connected.client_id).toBe(c.clientId);
    await waitFor(() => c.seat !== undefined);
    const me = c.seat?.player_id as string;
    await waitFor(
      () => events.filter((e) => e.event_type === "ROUND_ENDED" && me in (e.data as any).results).length >= 6,
      {
        timeoutMs: 15_000,
      },
    );
    const mine = events.filter((e) => (e.data as any).player_id === me);
    const bets = mine.filter((e) => e.event_type === "PLAYER_BET");
    expect(bets.length).toBeGreaterThanOrEqual(6);
    expect(mine.some((e) => e.event_type === "HAND_RESULT")).toBe(true);
    expect(requests.length).toBeGreaterThan(0);
    // No timeouts: every request was answered by the strategy.
    expect(events.some((e) => e.event_type === "PLAYER_TIMEOUT")).toBe(false);
    const lastRound = events.filter((e) => e.event_type === "ROUND_ENDED" && me in (e.data as any).results).at(-1);
    const lastBankroll = mine.filter((e) => e.event_type === "BANKROLL_UPDATED").at(-1);
    expect(lastRound).toBeDefined();
    expect((lastRound as GameEvent).data).toMatchObject({
      results: { [me]: { balance: ((lastBankroll as GameEvent).data as any).balance } },
    });
  });

  test("a strategy's promise is awaited before it answers; one that throws, rejects or answers wrongly reports `error`", async () => {
    // The three failed requests wait for the table's decision timeout (it then plays their default).
    const { url } = await startServer({ timings: { decisionTimeoutMs: 1000 } });
    const ids: string[] = [];
    const c = client({
      url,
      join: true,
      bet: flatMinimumBet,
      strategy: (r) => {
        ids.push(r.request_id);
        const n = ids.length;
        if (n === 2) throw new Error("strategy threw");
        if (n === 3) return Promise.reject(new Error("strategy rejected"));
        if (n === 4) return "WARP" as never; // not an action: sent as is, refused by the server
        return Promise.resolve(r.decision === "insurance" ? "NO_INSURANCE" : "STAND");
      },
    });
    const errors: string[] = [];
    c.on("error", (e) => errors.push(e.message));
    const timedOut: string[] = [];
    c.on("event", (e) => {
      if (e.event_type === "PLAYER_TIMEOUT") timedOut.push((e.data as { request_id: string }).request_id);
    });
    await waitFor(() => ids.length >= 6, { timeoutMs: 15_000 });
    expect(errors).toContain("strategy threw");
    expect(errors).toContain("strategy rejected");
    expect(errors.some((m) => /action must be one of/.test(m))).toBe(true);
    expect(timedOut).toEqual(expect.arrayContaining(ids.slice(1, 4)));
    // The promised answers went out: the first and fifth requests were answered, not timed out.
    expect(timedOut).not.toContain(ids[0]);
    expect(timedOut).not.toContain(ids[4]);
  });

  test("subscribe and unsubscribe resolve with the server's list; refused actions reject with CardsharpError", async () => {
    const { url } = await startServer();
    const c = client({ url, subscribe: [] });
    await c.connected();
    expect(await c.subscribe(["CARD_DEALT", "HAND_RESULT"])).toEqual(["CARD_DEALT", "HAND_RESULT"]);
    expect(await c.unsubscribe(["CARD_DEALT"])).toEqual(["HAND_RESULT"]);
    await expect(c.placeBet(10)).rejects.toMatchObject({ name: "CardsharpError", code: "NO_SEAT" });
    await expect(c.action("warp")).rejects.toBeInstanceOf(CardsharpError);
    await c.join("Dora");
    await expect(c.join()).rejects.toMatchObject({ code: "ALREADY_SEATED" });
  });

  test("events() iterates typed events; ENGINE_SHUTDOWN and `disconnected` arrive when the server closes", async () => {
    const { server, url } = await startServer({ bots: 1 });
    const c = client({ url, subscribe: ["ROUND_ENDED", "ENGINE_SHUTDOWN"], reconnect: false });
    const goodbye = new Promise((resolve) => c.on("disconnected", resolve));
    const seen: string[] = [];
    for await (const e of c.events()) {
      seen.push(e.event_type);
      expect(typeof e.timestamp).toBe("number");
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(["ROUND_ENDED", "ROUND_ENDED", "ROUND_ENDED"]);
    const shutdown = new Promise((resolve) => c.on("event", (e) => e.event_type === "ENGINE_SHUTDOWN" && resolve(e)));
    await server.close({ graceMs: 200 });
    await shutdown;
    expect(await goodbye).toMatchObject({ client_id: c.clientId, reason: "server shutting down" });
  });

  test("events() is bounded: a reader that falls behind loses the oldest events, and abort ends it", async () => {
    const { server, url } = await startServer({ autoStart: false });
    const c = client({ url, subscribe: ["CUSTOM_EVENT"] });
    await c.connected();
    await waitFor(() => server.handler.clients.get(c.clientId)?.subscriptions.has("CUSTOM_EVENT"));
    const abort = new AbortController();
    const it = c.events(abort.signal, 2);
    let seen = 0;
    c.on("event", () => seen++);
    for (const n of [1, 2, 3]) server.bus.emit("CUSTOM_EVENT", { event_name: "tick", n });
    await waitFor(() => seen === 3);
    expect(((await it.next()).value as GameEvent).data).toMatchObject({ n: 2 });
    expect(((await it.next()).value as GameEvent).data).toMatchObject({ n: 3 });
    const pending = it.next();
    abort.abort();
    expect(await pending).toMatchObject({ done: true });
  });

  test("reconnects with the same client id and gets its seat back", async () => {
    const { server, url } = await startServer({ bots: 1 });
    const c = client({ url, join: true, strategy: fixedPlayer("STAND"), bet: flatMinimumBet });
    let bet = false;
    c.on("event", (e) => {
      if (e.event_type === "PLAYER_BET" && (e.data as { player_id?: string }).player_id === c.seat?.player_id)
        bet = true;
    });
    await c.connected();
    await waitFor(() => c.seat !== undefined);
    // Only a seat that has bet is held for its owner (one that never bet is released at the next round).
    await waitFor(() => bet, { timeoutMs: 15_000 });
    const seat = c.seat;
    const again = c.nextConnected();
    for (const conn of server.endpoint.connections) conn.terminate();
    const back = await again;
    expect(back).toMatchObject({ client_id: c.clientId, resumed: true, seat: { player_id: seat?.player_id } });
    expect(back.state?.players.some((p) => p.player_id === seat?.player_id)).toBe(true);
    expect(server.table.seatCount).toBe(2);
    // Subscriptions are restored after the reconnect.
    await waitFor(() => server.handler.clients.get(c.clientId)?.subscriptions.has("*"));
  });

  test("sends while disconnected wait in a bounded queue and go out after the reconnect handshake", async () => {
    const { server, url } = await startServer();
    const c = client({ url, subscribe: [], queue: { maxMessages: 2 } });
    await c.connected();
    let queued: Array<Promise<unknown>> = [];
    let overflow: unknown;
    c.on("status", (s) => {
      if (s !== "reconnecting" || queued.length > 0) return;
      expect(c.status).not.toBe("open");
      queued = [c.subscribe(["HAND_RESULT"]), c.placeBet(10)];
      c.placeBet(10).catch((e) => {
        overflow = e;
      });
    });
    const again = c.nextConnected();
    for (const conn of server.endpoint.connections) conn.terminate();
    await again;
    // connect and the re-subscribe went first, then the queued subscribe and bet, in order.
    expect(await queued[0]).toEqual(["HAND_RESULT"]);
    await expect(queued[1]).rejects.toMatchObject({ name: "CardsharpError", code: "NO_SEAT" });
    expect(overflow).toMatchObject({ name: "QueueOverflowError" });
    expect([...(server.handler.clients.get(c.clientId)?.subscriptions ?? [])]).toEqual(["HAND_RESULT"]);
  });

  test("an answer queued during a reconnect is delivered once; the re-sent request is not answered twice", async () => {
    const { server, url } = await startServer({ autoSeat: true, autoStart: false, seed: 3 });
    const c = client({ url, subscribe: ["ROUND_STARTED"], bet: flatMinimumBet });
    const errors: Error[] = [];
    c.on("error", (e) => errors.push(e));
    const requests: ActionRequestData[] = [];
    c.on("action_request", (r) => requests.push(r));
    await c.connected();
    server.table.start();
    // Decline insurance and wait for a play decision.
    await waitFor(() => {
      const r = requests.at(-1);
      if (r?.decision === "insurance" && server.table.pending?.requestId === r.request_id) {
        void c.act("NO_INSURANCE", r.request_id);
      }
      return r?.decision === "play";
    });
    const req = requests.at(-1) as ActionRequestData;
    let answered: Promise<void> | undefined;
    c.on("status", (s) => {
      if (s === "reconnecting" && !answered) answered = c.act("STAND", req.request_id);
    });
    for (const conn of server.endpoint.connections) conn.terminate();
    await waitFor(() => answered !== undefined);
    await answered;
    expect(server.table.pending?.requestId).not.toBe(req.request_id);
    expect(requests.filter((r) => r.request_id === req.request_id)).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  test("client heartbeats keep an otherwise idle connection alive past the inactivity timeout", async () => {
    const timers = new ManualTimers(); // server time moves only when the test says so
    const { server, url } = await startServer({ timers });
    const c = client({ url, subscribe: [], heartbeatIntervalMs: 20 });
    await c.connected();
    const session = server.handler.clients.get(c.clientId);
    let serverBeats = 0;
    c.socket.on("message", (m) => {
      const msg = JSON.parse(String(m));
      // Pushed server heartbeats carry a top-level timestamp; replies to ours do not.
      if (msg.type === "heartbeat" && msg.timestamp !== undefined) serverBeats++;
    });
    // 8 server ticks = 40 s of server time, past the 30 s timeout; a client heartbeat lands in each tick.
    for (let tick = 1; tick <= 8; tick++) {
      timers.advance(5000);
      await waitFor(() => serverBeats === tick && session?.lastInbound === timers.now());
    }
    expect(c.status).toBe("open");
    expect(server.handler.clients.get(c.clientId)).toBe(session);
  });

  test("a seated client that joins mid-betting bets at once (from the snapshot)", async () => {
    const { server, url } = await startServer({ autoSeat: true, autoStart: false, bots: 1 });
    server.table.start();
    await waitFor(() => server.table.engine.roundNumber > 0);
    const c = client({ url, strategy: fixedPlayer("STAND"), bet: flatMinimumBet });
    const events: GameEvent[] = [];
    c.on("event", (e) => events.push(e));
    await c.connected();
    await waitFor(() =>
      events.some((e) => e.event_type === "PLAYER_BET" && (e.data as any).player_id === c.seat?.player_id),
    );
  });
});

describe("against an upstream-style server", () => {
  test("our client connects, subscribes, bets and answers with upstream's message shapes", async () => {
    // Upstream's example server in miniature: replies without timestamps, pushes with them, no extensions.
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    trackLeftover(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    await once(wss, "listening");
    const got: any[] = [];
    const push = (ws: WebSocket, type: string, data: object) =>
      ws.send(JSON.stringify({ type, data, timestamp: Date.now() / 1000 }));
    const reply = (ws: WebSocket, type: string, data: object) => ws.send(JSON.stringify({ type, data }));
    wss.on("connection", (ws) => {
      const subs = new Set<string>();
      ws.on("message", (raw) => {
        const m = JSON.parse(String(raw));
        got.push(m);
        if (m.type === "connect") {
          push(ws, "connected", { client_id: m.data.client_id });
          push(ws, "event", { event_type: "ROUND_STARTED", data: { game_id: "g", round_number: 1 } });
          const request = {
            request_id: "r-1",
            player_id: "p-1",
            player_name: "Alice",
            valid_actions: ["HIT", "STAND"],
          };
          push(ws, "action_request", { ...request, pending: true, timestamp: Date.now() / 1000 });
        } else if (m.type === "subscribe") {
          for (const t of m.data.event_types) subs.add(t);
          reply(ws, "connected", { subscriptions: [...subs] });
        } else if (m.type === "action") {
          reply(ws, "event", { event_type: "action_received" });
        } else if (m.type === "heartbeat") {
          reply(ws, "heartbeat", { timestamp: Date.now() / 1000 });
        } else {
          reply(ws, "error", { message: "Unknown message type" });
        }
      });
    });
    const port = (wss.address() as AddressInfo).port;
    const c = client({ url: `ws://127.0.0.1:${port}`, strategy: fixedPlayer("STAND"), bet: flatMinimumBet });
    expect((await c.connected()).client_id).toBe(c.clientId);
    await waitFor(() => got.some((m) => m.data?.action === "player_action"));
    await waitFor(() => got.some((m) => m.data?.action === "place_bet"));
    expect(got[0]).toMatchObject({ type: "connect", data: { client_id: c.clientId }, timestamp: expect.any(Number) });
    expect(got[1]).toMatchObject({ type: "subscribe", data: { event_types: ["*"] } });
    expect(got.find((m) => m.data?.action === "player_action")?.data).toEqual({
      action: "player_action",
      data: { action: "STAND", request_id: "r-1" },
    });
    // Upstream's ROUND_STARTED carries no limits: the client bets its example client's minimum, 5.
    expect(got.find((m) => m.data?.action === "place_bet")?.data).toEqual({ action: "place_bet", data: { amount: 5 } });
    expect(await c.subscribe(["CARD_DEALT"])).toEqual(["*", "CARD_DEALT"]);
  });
});

describe("browser safety", () => {
  for (const entry of ["client/index.ts", "engine/index.ts", "index.ts"]) {
    test(`${entry} bundles for the browser without Node imports`, async () => {
      const b = await bundleForBrowser(fileURLToPath(new URL(`../src/${entry}`, import.meta.url)));
      expect(b.nodeImports).toEqual([]);
      expect(b.code.length).toBeGreaterThan(1000);
    });
  }
});
