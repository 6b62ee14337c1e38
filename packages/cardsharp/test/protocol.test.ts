import { createServer } from "node:http";
import { closeHttpServer, listen, UpgradeRouter } from "@proj/ws-core/server";
import { disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { CardsharpServer, EventBus, WebSocketEventHandler } from "../src/server/index.js";
import { ManualTimers } from "./manual-timers.js";
import { type Msg, rawClient, startServer } from "./server-helpers.js";

afterEach(disposeLeftovers);

describe("envelope and connection state (transcript of cardsharp.md 2.5)", () => {
  test("the probe transcript, with upstream's bugs fixed", async () => {
    const { server, url } = await startServer();
    const c = await rawClient(url);
    c.send({ type: "subscribe", data: { event_types: ["*"] } });
    expect(await c.expect("error")).toEqual({
      type: "error",
      data: { message: "Not connected", code: "NOT_CONNECTED" },
    });
    // Upstream checks the connection before the type: an unknown type or a bad `data` is "Not connected" too.
    for (const frame of [
      { type: "bogus", data: {} },
      { type: "subscribe", data: ["CARD_DEALT"] },
      { type: "action" },
    ]) {
      c.send(frame);
      expect((await c.expect("error")).data).toEqual({ message: "Not connected", code: "NOT_CONNECTED" });
    }
    c.send("not json");
    expect((await c.expect("error")).data.code).toBe("INVALID_JSON");
    c.send({ type: "connect", data: { client_id: "probe-1" } });
    const connected = await c.expect("connected");
    expect(connected.data).toMatchObject({ client_id: "probe-1", resumed: false, seat: null });
    expect(connected.data.state.dealer).toBeDefined();
    expect(connected.data.rules).toMatchObject({ deck_count: 6, dealer_hit_soft_17: false, blackjack_pays: 1.5 });
    expect(typeof connected.timestamp).toBe("number");
    expect(connected.timestamp).toBeGreaterThan(1.6e9);
    expect(connected.timestamp).toBeLessThan(1e11); // seconds, not milliseconds
    c.send({ type: "subscribe", data: { event_types: ["CARD_DEALT", "HAND_RESULT"] } });
    const sub = await c.expect("connected");
    expect(sub).toEqual({ type: "connected", data: { subscriptions: ["CARD_DEALT", "HAND_RESULT"] } });
    c.send({ type: "subscribe", data: { event_types: ["*"] } });
    expect((await c.expect("connected")).data.subscriptions).toEqual(["CARD_DEALT", "HAND_RESULT", "*"]);
    c.send({ type: "heartbeat", data: { timestamp: 1795304530.2186506 } });
    const hb = await c.expect("heartbeat");
    expect(hb.timestamp).toBeUndefined();
    expect(typeof hb.data.timestamp).toBe("number");
    c.send({ type: "unsubscribe", data: { event_types: ["*"] } });
    expect((await c.expect("connected")).data.subscriptions).toEqual(["CARD_DEALT", "HAND_RESULT"]);
    // Without `event_types` (upstream's default []): nothing changes, the ack lists the current set.
    c.send({ type: "subscribe", data: {} });
    expect((await c.expect("connected")).data.subscriptions).toEqual(["CARD_DEALT", "HAND_RESULT"]);
    c.send({ type: "bogus", data: {} });
    expect(await c.expect("error")).toEqual({
      type: "error",
      data: { message: "Unknown message type", code: "UNKNOWN_TYPE" },
    });
    // A second connect rebinds the socket (upstream bound a second id and leaked the first).
    c.send({ type: "connect", data: {} });
    const second = await c.expect("connected");
    expect(second.data.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect([...server.handler.clients.keys()]).toEqual([second.data.client_id]);
    // disconnect is handled: `disconnected`, then close 1000.
    c.send({ type: "disconnect", data: { client_id: second.data.client_id } });
    const bye = await c.expect("disconnected");
    expect(bye.data.client_id).toBe(second.data.client_id);
    expect(typeof bye.timestamp).toBe("number");
    expect((await c.closed).code).toBe(1000);
  });

  test("missing data defaults to {}; a generated id is a uuid", async () => {
    const { url } = await startServer();
    const c = await rawClient(url);
    c.send({ type: "connect" });
    expect((await c.expect("connected")).data.client_id).toMatch(/^[0-9a-f-]{36}$/);
    c.send({ type: "heartbeat" });
    expect((await c.expect("heartbeat")).data.timestamp).toBeGreaterThan(0);
  });

  test("bad input gets an error reply and the socket stays open", async () => {
    const { url } = await startServer();
    const c = await rawClient(url);
    await c.connect("bad-1");
    const errors: Array<[unknown, string]> = [
      ["not json", "INVALID_JSON"],
      [JSON.stringify({ type: "subscribe", data: ["CARD_DEALT"] }), "INVALID_MESSAGE"],
      [JSON.stringify({ type: "subscribe", data: { event_types: "CARD_DEALT" } }), "INVALID_MESSAGE"],
      [JSON.stringify({ type: "action", data: { action: 5 } }), "INVALID_MESSAGE"],
      [JSON.stringify({ type: "connect", data: { client_id: 42 } }), "INVALID_MESSAGE"],
      [JSON.stringify([1, 2]), "INVALID_MESSAGE"],
      [JSON.stringify({ data: {} }), "INVALID_MESSAGE"],
      [JSON.stringify({ type: "action", data: { action: "fly" } }), "UNKNOWN_ACTION"],
      [JSON.stringify({ type: "disconnect", data: { client_id: "someone-else" } }), "UNKNOWN_CLIENT"],
      [JSON.stringify({ type: "subscribe", data: { event_types: Array(65).fill("X") } }), "TOO_MANY_SUBSCRIPTIONS"],
      [new Uint8Array([1, 2, 3]), "BINARY_NOT_SUPPORTED"],
    ];
    for (const [frame, code] of errors) {
      c.send(frame as string);
      const e = await c.expect("error");
      expect(e.data.code).toBe(code);
      expect(typeof e.data.message).toBe("string");
    }
    c.send({ type: "heartbeat" });
    await c.expect("heartbeat");
  });

  test("a frame over the payload limit closes that socket with 1009; other clients carry on", async () => {
    const { url } = await startServer({ maxPayload: 1024 });
    const big = await rawClient(url);
    const other = await rawClient(url);
    await other.connect("other");
    big.send({ type: "connect", data: { client_id: "x".repeat(2000) } });
    expect((await big.closed).code).toBe(1009);
    other.send({ type: "heartbeat" });
    await other.expect("heartbeat");
  });

  test("past maxClients the upgrade is refused with 503; a freed slot is usable again", async () => {
    const { server, url } = await startServer({ maxClients: 1 });
    const a = await rawClient(url);
    await expect(rawClient(url)).rejects.toMatchObject({ status: 503 });
    await a.connect("a");
    await a.close();
    await waitFor(() => server.endpoint.connections.size === 0);
    const b = await rawClient(url);
    await b.connect("b");
  });

  test("subscriptions per socket are capped (unknown names are accepted, so they must not pile up)", async () => {
    const { server, url } = await startServer();
    const c = await rawClient(url);
    await c.connect("greedy");
    const names = (from: number) => Array.from({ length: 32 }, (_v, i) => `NAME_${from + i}`);
    expect((await c.subscribe(names(0))).data.subscriptions).toHaveLength(32);
    expect((await c.subscribe(names(32))).data.subscriptions).toHaveLength(64);
    // Re-subscribing to names already held is fine; one more new name is not.
    expect((await c.subscribe(names(0))).data.subscriptions).toHaveLength(64);
    c.send({ type: "subscribe", data: { event_types: ["CARD_DEALT"] } });
    expect((await c.expect("error")).data.code).toBe("TOO_MANY_SUBSCRIPTIONS");
    expect(server.handler.clients.get("greedy")?.subscriptions.size).toBe(64);
    c.send({ type: "subscribe", data: { event_types: ["*"] } });
    expect((await c.expect("error")).data.code).toBe("TOO_MANY_SUBSCRIPTIONS");
    c.send({ type: "unsubscribe", data: { event_types: names(0) } });
    expect((await c.expect("connected")).data.subscriptions).toHaveLength(32);
    expect((await c.subscribe(["*"])).data.subscriptions).toContain("*");
  });
});

describe("events", () => {
  test("subscription filtering: nothing unsubscribed, exact names, and *", async () => {
    const { url } = await startServer({ bots: 1 });
    const none = await rawClient(url);
    const dealtOnly = await rawClient(url);
    const all = await rawClient(url);
    await none.connect("none");
    await dealtOnly.connect("dealt");
    await all.connect("all");
    dealtOnly.send({ type: "subscribe", data: { event_types: ["CARD_DEALT"] } });
    all.send({ type: "subscribe", data: { event_types: ["*"] } });
    await all.event("ROUND_ENDED");
    await dealtOnly.event("CARD_DEALT");
    const dealtTypes = new Set(
      dealtOnly
        .all()
        .filter((m) => m.type === "event")
        .map((m) => m.data.event_type),
    );
    expect([...dealtTypes]).toEqual(["CARD_DEALT"]);
    const allTypes = new Set(
      all
        .all()
        .filter((m) => m.type === "event")
        .map((m) => m.data.event_type),
    );
    expect(allTypes.has("HAND_RESULT")).toBe(true);
    expect(allTypes.has("ROUND_STARTED")).toBe(true);
    expect(none.all().filter((m) => m.type === "event")).toEqual([]);
    const ev = await all.event("CARD_DEALT");
    expect(typeof ev.timestamp).toBe("number");
    expect(ev.data.data).toHaveProperty("game_id");
  });

  test("the hole card never reaches a client before CARD_REVEALED", async () => {
    const { server, url } = await startServer({ bots: 2, autoStart: false });
    const c = await rawClient(url);
    await c.connect("spy");
    await c.subscribe(["*"]);
    server.table.start();
    for (let i = 0; i < 5; i++) await c.event("ROUND_ENDED");
    let hidden = false;
    let holeCard: string | undefined;
    let checked = 0;
    for (const m of c.all().filter((x) => x.type === "event")) {
      const { event_type: type, data } = m.data;
      if (type === "CARD_DEALT" && data.is_hole_card) {
        expect(data.card).toBeNull();
        hidden = true;
      }
      if (type === "UI_UPDATE_NEEDED" && hidden) {
        expect(data.state.dealer.hand).toHaveLength(1);
        expect(data.state.dealer.hide_second_card).toBe(true);
        checked++;
      }
      if (type === "CARD_REVEALED") {
        hidden = false;
        holeCard = data.card;
      }
      if (type === "ROUND_ENDED" && holeCard) {
        expect(data.dealer.hand.cards[1]).toBe(holeCard);
        holeCard = undefined;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});

describe("seats and actions", () => {
  test("join, bet, action_request to the seat's client only, ack before echo, routed to the engine", async () => {
    const { url } = await startServer();
    const alice = await rawClient(url);
    const spectator = await rawClient(url);
    await alice.connect("alice");
    await spectator.connect("spectator");
    await alice.subscribe(["*"]);
    alice.send({ type: "action", data: { action: "join", data: { player_name: "Alice" } } });
    await alice.expect("event", (m) => m.data.event_type === "action_received");
    const joined = await alice.event("PLAYER_JOINED");
    expect(joined.data.data).toMatchObject({ player_name: "Alice", client_id: "alice", balance: 1000 });
    const round = await alice.event("ROUND_STARTED");
    expect(round.data.data).toMatchObject({ min_bet: 5, max_bet: 1000 });
    alice.send({ type: "action", data: { action: "place_bet", data: { amount: 1 } } });
    expect((await alice.expect("error")).data).toMatchObject({ code: "BET_REJECTED", message: "minimum bet is 5" });
    alice.send({ type: "action", data: { action: "place_bet", data: { amount: 10 } } });
    await alice.expect("event", (m) => m.data.event_type === "action_received");
    expect((await alice.event("PLAYER_BET")).data.data).toMatchObject({ amount: 10, new_balance: 990 });
    // Deal until Alice has a decision (a natural or dealer blackjack may end the round first).
    const req = await alice.betUntilRequest(10);
    expect(req.data).toMatchObject({
      request_id: expect.any(String),
      player_id: joined.data.data.player_id,
      player_name: "Alice",
      pending: true,
      timeout_seconds: 30,
    });
    expect(req.data.valid_actions).toContain("STAND");
    expect(typeof req.timestamp).toBe("number");
    expect(spectator.all().some((m) => m.type === "action_request")).toBe(false);
    const answer = req.data.decision === "insurance" ? "NO_INSURANCE" : "STAND";
    const before = alice.received.length;
    alice.send({
      type: "action",
      data: { action: "player_action", data: { action: answer, request_id: req.data.request_id } },
    });
    await alice.event("USER_INTERACTION_RECEIVED", (d) => d.data.request_id === req.data.request_id);
    const after = alice.all().slice(before);
    const ackAt = after.findIndex((m) => m.type === "event" && m.data.event_type === "action_received");
    const echoAt = after.findIndex((m) => m.type === "event" && m.data.event_type === "USER_INTERACTION_RECEIVED");
    expect(ackAt).toBeGreaterThanOrEqual(0);
    expect(after[ackAt]).toEqual({ type: "event", data: { event_type: "action_received" } });
    expect(ackAt).toBeLessThan(echoAt);
    expect(after[echoAt]?.data.data).toEqual({
      action: "player_action",
      data: { action: answer, request_id: req.data.request_id, client_id: "alice" },
    });
    if (answer === "STAND") {
      const acted = await alice.event("PLAYER_ACTION", (d) => d.player_id === joined.data.data.player_id);
      expect(acted.data.data.action).toBe("STAND");
    } else {
      const decided = await alice.event("INSURANCE_DECISION");
      expect(decided.data.data.action).toBe("NO_INSURANCE");
    }
  });

  test("another client's answer, a stale request_id and an invalid action are refused", async () => {
    const { server, url } = await startServer({ autoSeat: true, seed: 5, autoStart: false });
    const alice = await rawClient(url);
    const mallory = await rawClient(url);
    await mallory.connect("mallory");
    mallory.send({ type: "action", data: { action: "leave" } });
    await mallory.expect("event", (m) => m.data.event_type === "action_received");
    await waitFor(() => server.table.seatCount === 0);
    const connected = await alice.connect("alice");
    expect(connected.data.seat).toMatchObject({ player_id: "player-alice", player_name: "Player 1", balance: 1000 });
    await alice.subscribe(["ROUND_STARTED"]);
    server.table.start();
    const req = await alice.betUntilRequest(5);
    const id = req.data.request_id;
    mallory.send({ type: "action", data: { action: "player_action", data: { action: "STAND", request_id: id } } });
    expect((await mallory.expect("error")).data.code).toBe("NOT_YOUR_SEAT");
    alice.send({ type: "action", data: { action: "player_action", data: { action: "STAND", request_id: "old" } } });
    expect((await alice.expect("error")).data.code).toBe("STALE_REQUEST");
    alice.send({ type: "action", data: { action: "player_action", data: { action: "FLY", request_id: id } } });
    expect((await alice.expect("error")).data.code).toBe("INVALID_ACTION");
    expect(server.table.pending?.requestId).toBe(id);
    const valid = req.data.valid_actions.includes("STAND") ? "STAND" : "NO_INSURANCE";
    alice.send({ type: "action", data: { action: "player_action", data: { action: valid, request_id: id } } });
    await alice.expect("event", (m) => m.data.event_type === "action_received");
    // Answering the same request twice is refused: it is no longer pending.
    alice.send({ type: "action", data: { action: "player_action", data: { action: valid, request_id: id } } });
    expect((await alice.expect("error")).data.code).toBe("STALE_REQUEST");
  });

  test("the 30 s decision timeout emits PLAYER_TIMEOUT and plays STAND (manual clock)", async () => {
    const timers = new ManualTimers();
    const { server, url } = await startServer({ autoSeat: true, seed: 2, autoStart: false, timers });
    const c = await rawClient(url);
    await c.connect("slow");
    await c.subscribe(["ROUND_STARTED", "ROUND_ENDED", "PLAYER_TIMEOUT", "PLAYER_ACTION"]);
    server.table.start();
    let req: Msg | undefined;
    while (!req) {
      const m = await c.nextJson<Msg>(
        (x) =>
          x.type === "action_request" ||
          (x.type === "event" && ["ROUND_STARTED", "ROUND_ENDED"].includes(x.data.event_type)),
      );
      if (m.type === "action_request" && m.data.decision === "play") req = m;
      else if (m.type === "action_request") {
        const answer = { action: "NO_INSURANCE", request_id: m.data.request_id };
        c.send({ type: "action", data: { action: "player_action", data: answer } });
      } else if (m.data.event_type === "ROUND_STARTED") {
        c.send({ type: "action", data: { action: "place_bet", data: { amount: 5 } } });
      } else timers.advance(5); // the pause between rounds
    }
    expect(req.data.timeout_seconds).toBe(30);
    timers.advance(29_999);
    c.send({ type: "heartbeat" });
    await c.expect("heartbeat"); // a round trip: anything the server had sent is in by now
    expect(c.all().some((m) => m.type === "event" && m.data.event_type === "PLAYER_TIMEOUT")).toBe(false);
    expect(server.table.pending?.requestId).toBe(req.data.request_id);
    timers.advance(1);
    const timeout = await c.event("PLAYER_TIMEOUT");
    expect(timeout.data.data).toMatchObject({
      player_id: "player-slow",
      player_name: "Player 1",
      request_id: req.data.request_id,
    });
    expect(typeof timeout.data.data.timestamp).toBe("number");
    const acted = await c.event("PLAYER_ACTION", (d) => d.player_id === "player-slow");
    expect(acted.data.data.action).toBe("STAND");
    // The timed-out request is stale now.
    const late = { action: "HIT", request_id: req.data.request_id };
    c.send({ type: "action", data: { action: "player_action", data: late } });
    expect((await c.expect("error")).data.code).toBe("STALE_REQUEST");
  });

  test("a client that reconnects with its id gets the seat, a snapshot and the open request back", async () => {
    const { server, url } = await startServer({ autoSeat: true, seed: 3, autoStart: false });
    const first = await rawClient(url);
    const token = (await first.connect("carol")).data.resume_token;
    await first.subscribe(["ROUND_STARTED"]);
    server.table.start();
    const req = await first.betUntilRequest(5);
    first.ws.terminate();
    await waitFor(() => !server.handler.clients.has("carol"));
    const second = await rawClient(url);
    const back = await second.connect("carol", token);
    expect(back.data).toMatchObject({ client_id: "carol", resumed: true, seat: { player_id: "player-carol" } });
    expect(back.data.state.players.map((p: any) => p.player_id)).toContain("player-carol");
    expect(back.data.state.current).toMatchObject({ player_id: "player-carol" });
    const again = await second.expect("action_request");
    expect(again.data.request_id).toBe(req.data.request_id);
  });

  test("seat claims are checked before the ack: a full table and a second join are refused", async () => {
    const { url } = await startServer({ bots: 1, maxSeats: 2, autoStart: false });
    const a = await rawClient(url);
    const b = await rawClient(url);
    await a.connect("a");
    await b.connect("b");
    a.send({ type: "action", data: { action: "join", data: { player_name: "A" } } });
    await a.expect("event", (m) => m.data.event_type === "action_received");
    a.send({ type: "action", data: { action: "join" } });
    expect((await a.expect("error")).data.code).toBe("ALREADY_SEATED");
    b.send({ type: "action", data: { action: "join" } });
    expect((await b.expect("error")).data).toEqual({ code: "TABLE_FULL", message: "the table has 2 seats" });
    b.send({ type: "action", data: { action: "leave" } });
    expect((await b.expect("error")).data.code).toBe("NO_SEAT");
    b.send({ type: "action", data: { action: "place_bet", data: { amount: 10 } } });
    expect((await b.expect("error")).data.code).toBe("NO_SEAT");
    expect(b.all().some((m) => m.type === "event" && m.data.event_type === "action_received")).toBe(false);
  });

  test("the same id with its resume token on a new socket replaces the old one (4409)", async () => {
    const { url } = await startServer();
    const a = await rawClient(url);
    const token = (await a.connect("dup")).data.resume_token;
    const b = await rawClient(url);
    await b.connect("dup", token);
    expect((await a.expect("disconnected")).data.reason).toBe("replaced by a new connection");
    expect((await a.closed).code).toBe(4409);
    b.send({ type: "heartbeat" });
    await b.expect("heartbeat");
  });
});

describe("heartbeat and inactivity", () => {
  test("the server heartbeats every 5 s; 30 s without inbound traffic ends with 4408, sends never count", async () => {
    const timers = new ManualTimers();
    const { url } = await startServer({ timers });
    const silent = await rawClient(url);
    const chatty = await rawClient(url);
    await silent.connect("silent");
    await chatty.connect("chatty");
    for (let second = 5; second <= 30; second += 5) {
      chatty.send({ type: "heartbeat" });
      await chatty.expect("heartbeat", (m) => m.timestamp === undefined); // the reply: inbound seen
      timers.advance(5000);
      const hb = await silent.expect("heartbeat");
      expect(typeof hb.timestamp).toBe("number");
      expect(typeof hb.data.timestamp).toBe("number");
    }
    // 30 s of silence exactly is still fine; past it the next tick drops the silent client only.
    chatty.send({ type: "heartbeat" });
    await chatty.expect("heartbeat", (m) => m.timestamp === undefined);
    timers.advance(5000);
    const bye = await silent.expect("disconnected");
    expect(bye.data).toEqual({ client_id: "silent", reason: "inactivity timeout" });
    expect((await silent.closed).code).toBe(4408);
    expect(silent.all().filter((m) => m.type === "heartbeat")).toHaveLength(6);
    await chatty.expect("heartbeat", (m) => m.timestamp !== undefined);
    expect(chatty.ws.readyState).toBe(chatty.ws.OPEN);
  });

  test("a socket that never connects is timed out too", async () => {
    const timers = new ManualTimers();
    const { server, url } = await startServer({ timers });
    const c = await rawClient(url);
    await waitFor(() => server.handler.sessions.size === 1);
    timers.advance(35_000);
    expect((await c.closed).code).toBe(4408);
  });
});

describe("mounting", () => {
  test("handleUpgrade mounts on a shared HTTP server through UpgradeRouter", async () => {
    const server = new CardsharpServer({ bots: 1, seed: 9, timings: { roundPauseMs: 5 } });
    const http = createServer((_req, res) => res.end("ok"));
    const router = new UpgradeRouter().add("/cardsharp", server);
    router.attach(http);
    const l = await listen(http, { port: 0 });
    try {
      const c = await rawClient(`${l.wsUrl}/cardsharp`);
      await c.connect("mounted");
      c.send({ type: "subscribe", data: { event_types: ["ROUND_ENDED"] } });
      await c.event("ROUND_ENDED");
      await expect(rawClient(`${l.wsUrl}/other`)).rejects.toMatchObject({ status: 404 });
      const closing = c.closed;
      await server.close({ graceMs: 200 });
      expect((await closing).code).toBe(1001);
    } finally {
      await server.close();
      await closeHttpServer(http);
    }
  });
});

describe("upstream's example client (examples/websocket_client.py) works unchanged", () => {
  test("its frames, the fields it reads, and the flow it expects", async () => {
    // The CLI's setup: every client gets a seat (that client never sends `join`); insurance off, since its
    // input map cannot answer INSURANCE/NO_INSURANCE (see PROTOCOL.md).
    const { url } = await startServer({ autoSeat: true, bots: 1, seed: 4, rules: { insurance: false } });
    const c = await rawClient(url);
    const id = "0b6c3c0e-7d1a-4f4e-9a53-5b0f2f7c2a11";
    const send = (type: string, data: object) => c.send({ type, data, timestamp: Date.now() / 1000 });
    send("connect", { client_id: id });
    // It reads the very first frame and requires `connected`.
    expect(await c.nextJson()).toMatchObject({ type: "connected", data: { client_id: id } });
    send("subscribe", { event_types: ["*"] });
    send("heartbeat", { timestamp: Date.now() / 1000 });
    let rounds = 0;
    let answered = 0;
    while (rounds < 3) {
      const m = await c.nextJson<Msg>();
      if (m.type === "event" && m.data.event_type === "ROUND_STARTED") {
        expect(typeof m.data.data.round_number).toBe("number");
        send("action", { action: "place_bet", data: { amount: 10.0 } });
      } else if (m.type === "event" && m.data.event_type === "ROUND_ENDED") {
        if (`player-${id}` in m.data.data.results) rounds++;
      } else if (m.type === "action_request") {
        const { request_id, player_id, player_name, valid_actions } = m.data;
        expect([request_id, player_id, player_name].every((v) => typeof v === "string")).toBe(true);
        expect(valid_actions.every((a: string) => ["HIT", "STAND", "DOUBLE", "SPLIT", "SURRENDER"].includes(a))).toBe(
          true,
        );
        send("action", { action: "player_action", data: { action: "STAND", request_id } });
        answered++;
      }
    }
    expect(answered).toBeGreaterThan(0);
    const all = c.all();
    expect(all.filter((m) => m.type === "error")).toEqual([]);
    for (const m of all) {
      expect(["connected", "disconnected", "event", "action_request", "error", "heartbeat"]).toContain(m.type);
      if (m.timestamp !== undefined) expect(m.timestamp).toBeGreaterThan(1.6e9);
      if (m.timestamp !== undefined) expect(m.timestamp).toBeLessThan(1e11); // float seconds
      if (m.type !== "event" || m.data.event_type === "action_received") continue;
      const { event_type: type, data } = m.data;
      expect(type).toMatch(/^[A-Z_]+$/);
      if (type === "CARD_DEALT") {
        expect(typeof data.is_dealer).toBe("boolean");
        if (data.is_dealer && data.is_hole_card) expect(data.card).toBeNull();
        else expect(typeof data.card).toBe("string");
        if (!data.is_dealer) expect(typeof data.player_name).toBe("string");
      }
      if (type === "HAND_RESULT") {
        expect(["win", "lose", "push", "surrender"]).toContain(data.result);
        expect(typeof data.payout).toBe("number");
      }
      if (type === "BANKROLL_UPDATED") expect(typeof data.balance).toBe("number");
      if (type === "PLAYER_ACTION" || type === "DEALER_ACTION") expect(typeof data.action).toBe("string");
      if (type === "UI_UPDATE_NEEDED") expect(typeof data.state).toBe("object");
    }
    send("disconnect", { client_id: id });
    expect((await c.expect("disconnected")).data.client_id).toBe(id);
    expect((await c.closed).code).toBe(1000);
  });
});

describe("frame text", () => {
  test("pushed frames are the bytes JSON.stringify gives their envelope (built as text around the payload)", () => {
    const bus = new EventBus();
    const handler = new WebSocketEventHandler({ bus, timers: new ManualTimers() });
    const frames: string[] = [];
    const session = handler.open({ send: (t) => void frames.push(t), close: () => {} });
    handler.receive(session, JSON.stringify({ type: "connect", data: { client_id: "t-1" } }));
    handler.receive(session, JSON.stringify({ type: "subscribe", data: { event_types: ["*"] } }));
    const data = { game_id: "g", player_id: 'p-\u2665"1', player_name: "A", balance: 12.5, timestamp: 1.5 };
    bus.emit("BANKROLL_UPDATED", data);
    expect(handler.sendTo("t-1", "action_request", { request_id: "r-1", cards: ["A\u2660"] })).toBe(true);
    handler.broadcast("heartbeat", { timestamp: 2 });
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const pushed = frames.map((f) => JSON.parse(f)).filter((m) => m.seq !== undefined);
      expect(pushed.map((m) => m.type)).toEqual(["connected", "event", "action_request", "heartbeat"]);
      for (const f of frames) expect(f).toBe(JSON.stringify(JSON.parse(f)));
      const [, event, request, beat] = pushed;
      expect(event).toEqual({
        type: "event",
        data: { event_type: "BANKROLL_UPDATED", data },
        timestamp: event.timestamp,
        seq: event.seq,
      });
      expect(Object.keys(event)).toEqual(["type", "data", "timestamp", "seq"]);
      expect(request).toEqual({
        type: "action_request",
        data: { request_id: "r-1", cards: ["A\u2660"] },
        timestamp: request.timestamp,
        seq: request.seq,
      });
      expect(beat.data).toEqual({ timestamp: 2 });
      expect(pushed.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      handler.close();
    });
  });
});
