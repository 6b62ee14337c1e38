import { fileURLToPath } from "node:url";
import { NodeWebSocket } from "@proj/ws-core/node";
import { AccessGuard } from "@proj/ws-core/server";
import { disposeLeftovers, spawnScript, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test, vi } from "vitest";
import {
  CardsharpClient,
  type CardsharpClientOptions,
  fixedPlayer,
  flatMinimumBet,
  memorySessionStore,
} from "../src/client/index.js";
import { CardsharpServer } from "../src/server/index.js";
import { type Msg, type RawClient, rawClient, startServer } from "./server-helpers.js";

afterEach(async () => {
  vi.unstubAllGlobals();
  await disposeLeftovers();
});

function client(options: CardsharpClientOptions): CardsharpClient {
  const c = new CardsharpClient({ WebSocket: NodeWebSocket, backoff: { minDelayMs: 10, maxDelayMs: 50 }, ...options });
  trackLeftover(() => c.close());
  return c;
}

const action = (c: RawClient, name: string, data: object = {}) =>
  c.send({ type: "action", data: { action: name, data } });
const acked = (c: RawClient) => c.expect("event", (m) => m.data.event_type === "action_received");
/** The answer that is always valid for a request (insurance or play). */
const safeAnswer = (req: Msg) => (req.data.valid_actions.includes("STAND") ? "STAND" : "NO_INSURANCE");

describe("resume token", () => {
  test("a spectator connecting with a seated player's client id gets CLIENT_ID_TAKEN; the player keeps playing", async () => {
    const { server, url } = await startServer({ seed: 3, autoStart: false });
    const spy = await rawClient(url);
    await spy.connect("spy");
    await spy.subscribe(["*"]);
    const victim = await rawClient(url);
    await victim.connect("victim");
    action(victim, "join", { player_name: "Victim" });
    await acked(victim);
    await victim.subscribe(["ROUND_STARTED", "ROUND_ENDED"]);
    // Client ids are public: the spectator reads the victim's from the broadcast.
    const joined = await spy.event("PLAYER_JOINED");
    const stolen = joined.data.data.client_id as string;
    expect(stolen).toBe("victim");
    server.table.start();
    const req = await victim.betUntilRequest(5);

    // Without a token, with a wrong one, or with an empty one: refused, pushed (the answer to connect is).
    for (const data of [
      { client_id: stolen },
      { client_id: stolen, resume_token: "AAAAAAAAAAAAAAAAAAAAAA" },
      { client_id: stolen, resume_token: "" },
      { client_id: stolen, resume_token: null },
    ]) {
      spy.send({ type: "connect", data });
      const refused = await spy.expect("error");
      expect(refused.data.code).toBe("CLIENT_ID_TAKEN");
      expect(typeof refused.timestamp).toBe("number");
    }
    // A socket that never connected is refused too, and stays unconnected.
    const thief = await rawClient(url);
    thief.send({ type: "connect", data: { client_id: stolen } });
    expect((await thief.expect("error")).data.code).toBe("CLIENT_ID_TAKEN");
    thief.send({ type: "subscribe", data: { event_types: ["*"] } });
    expect((await thief.expect("error")).data.code).toBe("NOT_CONNECTED");
    // The spectator is still itself, and still cannot act for the seat.
    expect(server.handler.clients.has("spy")).toBe(true);
    action(spy, "player_action", { action: "STAND", request_id: req.data.request_id });
    expect((await spy.expect("error")).data.code).toBe("NOT_YOUR_SEAT");

    // The victim was never told to go and plays on: its answer is taken and the round finishes.
    expect(victim.ws.readyState).toBe(victim.ws.OPEN);
    expect(victim.all().some((m) => m.type === "disconnected" || m.type === "error")).toBe(false);
    action(victim, "player_action", { action: safeAnswer(req), request_id: req.data.request_id });
    await acked(victim);
    await victim.event("ROUND_ENDED");
    await victim.event("ROUND_STARTED");
    expect(server.handler.clients.size).toBe(2);
    expect(server.table.seatOf("victim")).toMatchObject({ player_id: "player-victim" });
  });

  test("reconnecting with client_id and resume_token resumes the seat (resumed: true) and its bankroll", async () => {
    const { server, url } = await startServer({ seed: 3, autoStart: false });
    const first = await rawClient(url);
    const hello = await first.connect("carol");
    const token = hello.data.resume_token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/); // 16 random bytes, base64url
    action(first, "join", { player_name: "Carol" });
    await acked(first);
    await first.subscribe(["ROUND_STARTED", "PLAYER_BET"]);
    server.table.start();
    await first.event("ROUND_STARTED");
    action(first, "place_bet", { amount: 10 });
    await first.event("PLAYER_BET");
    first.ws.terminate();
    await waitFor(() => !server.handler.clients.has("carol"));

    const second = await rawClient(url);
    const back = await second.connect("carol", token);
    expect(back.data).toMatchObject({
      client_id: "carol",
      resumed: true,
      resume_token: token, // the same secret: a client that missed this reply can still come back
      seat: { player_id: "player-carol", player_name: "Carol", balance: 990 },
    });
    // Tokens are per id.
    const other = await rawClient(url);
    expect((await other.connect("dave")).data.resume_token).not.toBe(token);
  });

  test("an id that owns nothing is forgotten with its socket: connecting with it later is a fresh identity", async () => {
    const { server, url } = await startServer({ autoStart: false });
    const a = await rawClient(url);
    const first = await a.connect("passer-by");
    await a.close();
    await waitFor(() => !server.handler.clients.has("passer-by"));
    expect(server.handler.isKnown("passer-by")).toBe(false);
    const b = await rawClient(url);
    const again = await b.connect("passer-by");
    expect(again.data).toMatchObject({ client_id: "passer-by", resumed: false, seat: null });
    expect(again.data.resume_token).not.toBe(first.data.resume_token);
    // A second connect on the socket that holds the id needs no token: it proved it already.
    b.send({ type: "connect", data: { client_id: "passer-by" } });
    expect((await b.expect("connected", (m) => m.data.client_id === "passer-by")).data.resume_token).toBe(
      again.data.resume_token,
    );
    // Taken over with its token while its socket is open: that socket goes (4409), the token stays the same.
    const c = await rawClient(url);
    expect((await c.connect("passer-by", again.data.resume_token)).data.resume_token).toBe(again.data.resume_token);
    expect((await b.closed).code).toBe(4409);
  });

  test("the token never appears in a frame a spectator sees, nor in any frame but the owner's `connected`", async () => {
    const { server, url } = await startServer({ bots: 1, seed: 8, autoStart: false });
    const spy = await rawClient(url);
    await spy.connect("spy");
    await spy.subscribe(["*"]);
    let player = await rawClient(url);
    const tokens = [(await player.connect("owner")).data.resume_token as string];
    action(player, "join");
    await acked(player);
    await player.subscribe(["*"]);
    server.table.start();
    const playRound = async (p: RawClient) => {
      for (;;) {
        const m = await p.nextJson<Msg>(
          (x) =>
            x.type === "action_request" ||
            (x.type === "event" && ["ROUND_STARTED", "ROUND_ENDED"].includes(x.data.event_type)),
        );
        if (m.type === "action_request")
          action(p, "player_action", { action: safeAnswer(m), request_id: m.data.request_id });
        else if (m.data.event_type === "ROUND_STARTED") action(p, "place_bet", { amount: 5 });
        else if ("player-owner" in m.data.data.results) return;
      }
    };
    await playRound(player);
    // Reconnect (a new `connected` with the token), play again, then a second identity joins and leaves.
    player.ws.terminate();
    await waitFor(() => !server.handler.clients.has("owner"));
    const frames = [...player.received];
    player = await rawClient(url);
    const back = await player.connect("owner", tokens[0]);
    expect(back.data.resumed).toBe(true);
    await player.subscribe(["*"]);
    await playRound(player);
    const other = await rawClient(url);
    tokens.push((await other.connect("other")).data.resume_token as string);
    action(other, "join");
    await acked(other);
    action(other, "leave");
    await acked(other);
    await spy.event("PLAYER_LEFT", (d) => d.player_id === "player-other");
    frames.push(...player.received);

    const seen = spy.received.map(String);
    expect(seen.filter((f) => f.includes('"PLAYER_JOINED"')).length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) for (const f of seen) expect(f).not.toContain(token);
    // The owner's own frames: the token only in its `connected` replies.
    const withToken = frames.map(String).filter((f) => f.includes(tokens[0] as string));
    expect(withToken).toHaveLength(2);
    for (const f of withToken) expect(JSON.parse(f)).toMatchObject({ type: "connected", data: { client_id: "owner" } });
  });
});

describe("our client keeps the token", () => {
  test("stored (injectable storage) and resent: a new client on the same storage resumes the seat, as after a reload", async () => {
    const { server, url } = await startServer({ bots: 1, seed: 4 });
    const storage = memorySessionStore();
    const a = client({ url, storage, join: { name: "Ada" }, strategy: fixedPlayer("STAND"), bet: flatMinimumBet });
    const hello = await a.connected();
    expect(a.resumeToken).toBe(hello.resume_token);
    expect(JSON.parse(storage.getItem(`cardsharp-session:${url}`) as string)).toEqual({
      client_id: a.clientId,
      resume_token: a.resumeToken,
    });
    await waitFor(() => a.seat !== undefined && server.table.seatOf(a.clientId)?.balance !== 1000);
    const seat = a.seat;
    await a.close(); // says `disconnect`: a seat that has bet is held

    const b = client({ url, storage, join: { name: "Ada" } });
    const back = await b.connected();
    expect(b.clientId).toBe(a.clientId);
    expect(back).toMatchObject({ resumed: true, seat: { player_id: seat?.player_id } });
    expect(server.table.seatCount).toBe(2);
  });

  test("a client given a known id without its token carries on under a fresh id; the owner keeps its seat", async () => {
    const { server, url } = await startServer({ autoStart: false });
    const owner = client({ url, join: true });
    await owner.connected();
    await waitFor(() => owner.seat !== undefined);
    const intruder = client({ url, clientId: owner.clientId, storage: false, join: true });
    const hello = await intruder.connected();
    expect(hello.client_id).not.toBe(owner.clientId);
    expect(intruder.clientId).toBe(hello.client_id);
    await waitFor(() => intruder.seat !== undefined);
    expect(intruder.seat?.player_id).not.toBe(owner.seat?.player_id);
    expect(owner.status).toBe("open");
    expect(server.handler.clients.size).toBe(2);
    // Subscriptions followed the new identity.
    await waitFor(() => server.handler.clients.get(intruder.clientId)?.subscriptions.has("*"));
  });

  test("in a browser the default store is sessionStorage (one identity per tab)", async () => {
    const { url } = await startServer({ autoStart: false });
    const tab = memorySessionStore();
    vi.stubGlobal("sessionStorage", tab);
    const c = client({ url });
    const hello = await c.connected();
    expect(JSON.parse(tab.getItem(`cardsharp-session:${url}`) as string)).toEqual({
      client_id: c.clientId,
      resume_token: hello.resume_token,
    });
    // A reload of the tab: same id, and the token goes with it.
    await c.close();
    const reloaded = client({ url });
    expect(reloaded.clientId).toBe(c.clientId);
    expect(reloaded.resumeToken).toBe(hello.resume_token);
  });
});

describe("Origin and Host", () => {
  test("a foreign Origin and a foreign Host get 403 before the upgrade; its own page and non-browsers pass", async () => {
    const { server, url } = await startServer({ autoStart: false });
    const port = new URL(url).port;
    await expect(rawClient(url, { origin: "http://evil.example" })).rejects.toMatchObject({
      status: 403,
      body: expect.stringContaining("origin not allowed"),
    });
    await expect(rawClient(url, { headers: { Host: "evil.example" } })).rejects.toMatchObject({
      status: 403,
      body: expect.stringContaining("host not allowed"),
    });
    // DNS rebinding: evil.example resolving to 127.0.0.1 is "same-origin" with itself, but not this machine.
    await expect(
      rawClient(url, { origin: `http://evil.example:${port}`, headers: { Host: `evil.example:${port}` } }),
    ).rejects.toMatchObject({ status: 403 });
    expect(server.endpoint.stats.rejected).toBe(3);
    expect(server.handler.sessions.size).toBe(0);
    // A page this server served (same host:port), localhost, and a client without an Origin.
    await (await rawClient(url, { origin: `http://127.0.0.1:${port}` })).connect();
    await (
      await rawClient(url, { origin: `http://localhost:${port}`, headers: { Host: `localhost:${port}` } })
    ).connect();
    await (await rawClient(url)).connect();
  });

  test("allowedOrigins and allowedHosts open it up; `access` takes a host's guard or false", async () => {
    const { url } = await startServer({ allowedOrigins: ["http://localhost:5173"], allowedHosts: ["cards.lan"] });
    await (await rawClient(url, { origin: "http://localhost:5173" })).connect();
    await (await rawClient(url, { headers: { Host: "cards.lan:8765" } })).connect();
    await expect(rawClient(url, { origin: "http://evil.example" })).rejects.toMatchObject({ status: 403 });

    const shared = new AccessGuard({ allowedOrigins: ["https://app.example"] });
    const mounted = await startServer({ access: shared });
    expect(mounted.server.access).toBe(shared);
    await (await rawClient(mounted.url, { origin: "https://app.example" })).connect();
    await expect(rawClient(mounted.url, { origin: "http://localhost:5173" })).rejects.toMatchObject({ status: 403 });

    const open = await startServer({ access: false });
    await (await rawClient(open.url, { origin: "http://evil.example", headers: { Host: "evil.example" } })).connect();
  });

  test("the Host check follows the address listen() binds: a LAN name is fine on 0.0.0.0, not on loopback", async () => {
    const loopback = new CardsharpServer({ autoStart: false });
    trackLeftover(() => loopback.close());
    const fake = (host: string) => ({ headers: { host } }) as never;
    expect(loopback.access?.hostAllowed(fake("cards.lan:8765"))).toBe(false);
    const l = await loopback.listen({ host: "0.0.0.0", port: 0 });
    expect(loopback.access?.hostAllowed(fake("cards.lan:8765"))).toBe(true);
    const url = `ws://127.0.0.1:${l.port}`;
    await (await rawClient(url, { headers: { Host: `192.168.1.20:${l.port}` } })).connect();
    await expect(rawClient(url, { origin: "http://evil.example" })).rejects.toMatchObject({ status: 403 });
  });

  test("cardsharp-server --allow-origin trusts that origin only", async () => {
    const pkg = fileURLToPath(new URL("..", import.meta.url));
    const cli = spawnScript(
      "src/cli/cardsharp-server.ts",
      ["--port", "0", "--allow-origin", "http://localhost:5173", "--no-auto-seat"],
      { cwd: pkg },
    );
    const [, url] = await cli.line(/^listening on (ws:\/\/127\.0\.0\.1:\d+)$/, 60_000);
    await (await rawClient(url as string, { origin: "http://localhost:5173" })).connect();
    await expect(rawClient(url as string, { origin: "http://evil.example" })).rejects.toMatchObject({ status: 403 });
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
  }, 90_000); // a tsx start takes seconds on a loaded machine
});

describe("limits", () => {
  test("stalled spectators are cut once maxBufferedBytes wait for them; a reading spectator gets every frame", async () => {
    const cap = 64 * 1024;
    const { server, url } = await startServer({ autoStart: false, maxBufferedBytes: cap });
    const reader = await rawClient(url);
    await reader.connect("reader");
    await reader.subscribe(["CUSTOM_EVENT"]);
    const stalled: RawClient[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await rawClient(url);
      await c.connect(`stalled-${i}`);
      await c.subscribe(["CUSTOM_EVENT"]);
      // Stop reading from the TCP socket: the kernel buffers fill, then the server's.
      (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      stalled.push(c);
    }
    const lagAtCut: number[] = [];
    server.endpoint.on("slow", (conn, what) => {
      if (what === "disconnected") lagAtCut.push(conn.lag);
    });
    const blob = "x".repeat(16 * 1024);
    let sent = 0;
    while (server.endpoint.stats.disconnected < stalled.length) {
      // Bounded: 2,000 frames are 32 MB per peer, far past any socket buffer.
      if (sent >= 2000) throw new Error(`stalled clients not cut after ${sent} frames`);
      server.bus.emit("CUSTOM_EVENT", { event_name: "blob", n: ++sent, blob });
      // A round trip on the reader: the frame is out before the next one.
      reader.send({ type: "heartbeat" });
      await reader.expect("heartbeat", (m) => m.timestamp === undefined);
    }
    expect(server.endpoint.stats.disconnected).toBe(3);
    expect(lagAtCut).toHaveLength(3);
    for (const lag of lagAtCut) expect(lag).toBeGreaterThanOrEqual(cap);
    await waitFor(() => server.handler.clients.size === 1);
    expect([...server.handler.clients.keys()]).toEqual(["reader"]);
    expect(reader.all().filter((m) => m.type === "event" && m.data.event_type === "CUSTOM_EVENT")).toHaveLength(sent);
    // Once they read again they find their socket closed.
    for (const c of stalled) {
      (c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      expect([1006, 1008]).toContain((await c.closed).code);
    }
  });

  test("seats of clients that connect and leave without betting are released at the next round", async () => {
    const { server, url } = await startServer({ autoSeat: true, bots: 1, maxSeats: 6, autoStart: false });
    for (let i = 0; i < 5; i++) {
      const anon = await rawClient(url);
      expect((await anon.connect()).data.seat).not.toBeNull();
      await anon.close();
    }
    await waitFor(() => server.handler.clients.size === 0);
    expect(server.table.seatCount).toBe(6);
    const player = await rawClient(url);
    expect((await player.connect("real")).data.seat).toBeNull(); // full: a spectator for now
    await player.subscribe(["PLAYER_LEFT", "PLAYER_JOINED"]);
    action(player, "join");
    expect((await player.expect("error")).data.code).toBe("TABLE_FULL");
    server.table.start();
    for (let i = 0; i < 5; i++) await player.event("PLAYER_LEFT");
    expect(server.table.seatCount).toBe(1);
    action(player, "join", { player_name: "Real" });
    await acked(player);
    expect((await player.event("PLAYER_JOINED")).data.data).toMatchObject({ client_id: "real", player_name: "Real" });
  });

  test("on a table waiting for its first bet they go at once; a seat that has bet is held for its owner", async () => {
    const idle = await startServer({ autoSeat: true });
    const anon = await rawClient(idle.url);
    await anon.connect();
    expect(idle.server.table.seatCount).toBe(1);
    await anon.close();
    await waitFor(() => idle.server.table.seatCount === 0);

    const { server, url } = await startServer({ bots: 1, autoStart: false });
    const bettor = await rawClient(url);
    const token = (await bettor.connect("bettor")).data.resume_token;
    action(bettor, "join");
    await acked(bettor);
    await bettor.subscribe(["ROUND_STARTED", "ROUND_ENDED"]);
    server.table.start();
    for (;;) {
      const m = await bettor.nextJson<Msg>(
        (x) =>
          x.type === "action_request" ||
          (x.type === "event" && ["ROUND_STARTED", "ROUND_ENDED"].includes(x.data.event_type)),
      );
      if (m.type === "action_request")
        action(bettor, "player_action", { action: safeAnswer(m), request_id: m.data.request_id });
      else if (m.data.event_type === "ROUND_STARTED") action(bettor, "place_bet", { amount: 5 });
      else if ("player-bettor" in m.data.data.results) break;
    }
    bettor.ws.terminate();
    await waitFor(() => !server.handler.clients.has("bettor"));
    const watcher = await rawClient(url);
    await watcher.connect("watcher");
    await watcher.subscribe(["ROUND_ENDED"]);
    await watcher.event("ROUND_ENDED");
    await watcher.event("ROUND_ENDED");
    expect(server.table.hasSeat("bettor")).toBe(true);
    const back = await (await rawClient(url)).connect("bettor", token);
    expect(back.data).toMatchObject({ resumed: true, seat: { player_id: "player-bettor" } });
  });
});
