import { createServer, request } from "node:http";
import { closeHttpServer, listen } from "@proj/ws-core/server";
import { connectTestClient, disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test, vi } from "vitest";
import { BridgeServer } from "../src/server/index.js";
import { startTestBridge } from "./helpers/bridge.js";
import { connectFakeExtension, connectUpstreamLikeExtension } from "./helpers/fake-extension.js";
import { rest } from "./helpers/rest.js";

afterEach(disposeLeftovers);

describe("connection", () => {
  test("welcome message on the standalone port and on /ws of the REST port", async () => {
    const s = await startTestBridge();
    for (const url of [s.addresses.wsUrl as string, s.addresses.restWsUrl]) {
      const ext = await connectFakeExtension(url);
      expect(ext.welcome).toEqual({
        type: "connected",
        message: "Connected to Local Chrome Server",
        timestamp: expect.any(Number),
        connection_id: expect.any(String),
      });
    }
    const other = await connectTestClient(`${s.addresses.url.replace("http", "ws")}/elsewhere`).catch((e) => e);
    expect(other.status).toBe(404);
  });

  test("bad frames get error replies and the connection carries on", async () => {
    const s = await startTestBridge();
    const ext = await connectFakeExtension(s.addresses.wsUrl as string);
    const cases: Array<[unknown, string]> = [
      ["this is not json", "Invalid JSON format"],
      ["[1,2,3]", "Message must be a JSON object"],
      [{ no_type: 1 }, "Missing type"],
      [{ type: "whatever" }, "Unknown message type: whatever"],
      [
        { type: "command_response", success: true },
        "Invalid command_response: 'command_id' must be a non-empty string",
      ],
      [
        { type: "command_response", command_id: "x", success: "yes" },
        "Invalid command_response: 'success' must be a boolean",
      ],
      [{ type: "event", event: 5 }, "Invalid event: 'event' must be a string"],
    ];
    for (const [frame, error] of cases) {
      ext.send(typeof frame === "string" ? frame : JSON.stringify(frame));
      expect(await ext.nextJson((m: any) => m.type === "error")).toEqual({
        type: "error",
        error,
        timestamp: expect.any(Number),
      });
    }
    ext.send(new Uint8Array([1, 2, 3]));
    expect((await ext.nextJson((m: any) => m.type === "error")).error).toBe("Binary frames are not supported");
    ext.send({ type: "ping" });
    expect(await ext.nextJson((m: any) => m.type === "pong")).toEqual({ type: "pong", timestamp: expect.any(Number) });
    expect(ext.ws.readyState).toBe(ext.ws.OPEN);
  });

  test("events and responses nobody waits for are accepted silently", async () => {
    const s = await startTestBridge();
    const ext = await connectFakeExtension(s.addresses.wsUrl as string);
    const seen: string[] = [];
    s.hub.on("event", (e) => seen.push(e.event));
    ext.send({ type: "event", event: "screenshot_captured", data: { tab_id: 1 }, timestamp: 1 });
    ext.send({ type: "command_response", command_id: "nobody-waits", success: true });
    await waitFor(() => seen.length === 1);
    ext.send({ type: "ping" });
    await ext.nextJson((m: any) => m.type === "pong");
    expect(ext.received.filter((m) => String(m).includes('"error"'))).toEqual([]);
    expect(seen).toEqual(["screenshot_captured"]);
  });

  test("frames above maxPayload close the connection with 1009", async () => {
    const s = await startTestBridge({ maxPayload: 1024 });
    const ext = await connectFakeExtension(s.addresses.wsUrl as string);
    ext.send("x".repeat(2048));
    expect((await ext.closed).code).toBe(1009);
  });

  test("connections above maxConnections are refused before the upgrade", async () => {
    const s = await startTestBridge({ maxConnections: 1 });
    await connectFakeExtension(s.addresses.wsUrl as string);
    const refused = await connectTestClient(s.addresses.wsUrl as string).catch((e) => e);
    expect(refused.status).toBe(503);
  });

  test("shutdown closes extensions with 1001 'Server shutdown' and fails pending commands", async () => {
    const s = await startTestBridge();
    const ext = await connectFakeExtension(s.addresses.wsUrl as string);
    const pending = rest(s.addresses.url, "POST", "/command", { type: "get_tabs" });
    await ext.nextCommand();
    const closing = s.close(1000);
    expect(await ext.closed).toEqual({ code: 1001, reason: "Server shutdown" });
    const r = await pending;
    expect(r.status).toBe(503);
    expect(r.json.error).toBe("Extension disconnected");
    await closing;
  });
});

describe("heartbeat", () => {
  test("a peer that never answers is closed with 1011 after the grace period", async () => {
    const s = await startTestBridge({ heartbeat: { intervalMs: 40, graceMs: 40 } });
    const ext = await connectFakeExtension(s.addresses.wsUrl as string, { autoPong: false });
    expect(await ext.nextJson((m: any) => m.type === "ping")).toEqual({ type: "ping", timestamp: expect.any(Number) });
    expect(await ext.closed).toEqual({ code: 1011, reason: "keepalive ping timeout" });
  });

  /**
   * The heartbeat's clock (setInterval and setTimeout are faked) moves only when the test says: each
   * answer is in before its grace period can end, however slow a busy machine is to deliver it, and
   * an answer that did not count would get the peer closed at the next step. Waits in between are on
   * events (the server's socket seeing the answer), never on the clock.
   */
  async function withHeartbeatClock(run: () => Promise<void>): Promise<void> {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "setTimeout", "clearTimeout"] });
    try {
      await run();
    } finally {
      vi.useRealTimers();
    }
  }

  /** Waits for `p`, failing at once if the server closes the peer first. */
  const openWhile =
    (ext: { closed: Promise<{ code: number; reason: string }> }) =>
    <T>(p: Promise<T>): Promise<T> =>
      Promise.race([
        p,
        ext.closed.then((c): never => {
          throw new Error(`closed by the server: ${c.code} ${c.reason}`);
        }),
      ]);

  test("a peer answering JSON pings stays connected across many intervals", () =>
    withHeartbeatClock(async () => {
      const s = await startTestBridge({ heartbeat: { intervalMs: 30, graceMs: 30 } });
      const ext = await connectFakeExtension(s.addresses.wsUrl as string, { autoPong: false });
      const [conn] = s.endpoint.connections;
      const open = openWhile(ext);
      for (let i = 0; i < 5; i++) {
        vi.advanceTimersByTime(30); // a ping; the peer is closed 30 ms on unless it answers
        await open(ext.nextJson((m: any) => m.type === "ping"));
        const answered = new Promise((resolve) => conn?.ws.once("message", resolve));
        ext.send({ type: "pong", timestamp: Date.now() / 1000 });
        await open(answered);
      }
      vi.advanceTimersByTime(30); // the last grace period ends with the next ping
      await open(ext.nextJson((m: any) => m.type === "ping"));
      expect(ext.ws.readyState).toBe(ext.ws.OPEN);
      expect(s.hub.size).toBe(1);
    }));

  test("protocol pong frames count as an answer too", () =>
    withHeartbeatClock(async () => {
      const s = await startTestBridge({ heartbeat: { intervalMs: 30, graceMs: 30 } });
      const ext = await connectFakeExtension(s.addresses.wsUrl as string); // ws answers ping frames itself
      const [conn] = s.endpoint.connections;
      const open = openWhile(ext);
      for (let i = 0; i < 5; i++) {
        const ponged = new Promise((resolve) => conn?.ws.once("pong", resolve));
        vi.advanceTimersByTime(30);
        await open(ext.nextJson((m: any) => m.type === "ping"));
        await open(ponged);
      }
      vi.advanceTimersByTime(30);
      await open(ext.nextJson((m: any) => m.type === "ping"));
      expect(ext.ws.readyState).toBe(ext.ws.OPEN);
      expect(s.hub.size).toBe(1);
    }));
});

describe("routing with several extensions", () => {
  test("commands go to the default (first) connection only, or to the one named", async () => {
    const s = await startTestBridge();
    const first = await connectFakeExtension(s.addresses.wsUrl as string);
    const second = await connectFakeExtension(s.addresses.wsUrl as string);
    const a = rest(s.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "to-default" });
    const cmd = await first.nextCommand();
    expect(cmd.command_id).toBe("to-default");
    // A response from another connection is not accepted for this command.
    second.respond("to-default", { data: { by: "second" } });
    first.respond("to-default", { data: { by: "first" } });
    expect((await a).json.data).toEqual({ by: "first" });

    const b = rest(s.addresses.url, "POST", `/command?extension=${second.welcome.connection_id}`, {
      type: "get_tabs",
      command_id: "named",
    });
    expect((await second.nextCommand()).command_id).toBe("named");
    second.respond("named", { data: { by: "second" } });
    expect((await b).json.data).toEqual({ by: "second" });

    const viaHeader = rest(s.addresses.url, "GET", "/tabs", undefined, {
      "X-Extension-Id": second.welcome.connection_id,
    });
    second.respond((await second.nextCommand()).command_id);
    expect((await viaHeader).status).toBe(200);
    expect(first.received.filter((m) => String(m).includes('"type":"command"'))).toHaveLength(1);

    const unknown = await rest(s.addresses.url, "POST", "/command?extension=999", { type: "get_tabs" });
    expect(unknown.status).toBe(503);
    expect(unknown.json.error).toBe("Chrome extension 999 is not connected");

    await first.close();
    await waitFor(() => s.hub.size === 1);
    const c = rest(s.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "fallback" });
    second.respond((await second.nextCommand()).command_id);
    expect((await c).status).toBe(200);
  });

  test("the upstream extension (bare commands) is detected and served", async () => {
    const s = await startTestBridge();
    // Behaves like OpenBrowser@7bd: the envelope is "Unknown command type: command" with an invented command_id.
    const ext = await connectUpstreamLikeExtension(s.addresses.wsUrl as string);
    const r = await rest(s.addresses.url, "POST", "/command", {
      type: "mouse_move",
      dx: 5,
      dy: 6,
      command_id: "legacy-1",
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ success: true, message: "ok mouse_move", command_id: "legacy-1" });
    expect(r.json.data.got).toEqual({ type: "mouse_move", dx: 5, dy: 6, duration: 0.1, command_id: "legacy-1" });
    const again = await rest(s.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "legacy-2" });
    expect(again.json.message).toBe("ok get_tabs");
    // Server-assigned ids work too, and several commands at once are each resent once.
    const many = await Promise.all(
      [1, 2, 3].map(() => rest(s.addresses.url, "POST", "/command", { type: "mouse_scroll", amount: 7 })),
    );
    expect(many.map((m) => m.json.message)).toEqual(["ok mouse_scroll", "ok mouse_scroll", "ok mouse_scroll"]);
    expect(ext.received.filter((m) => String(m).includes('"type":"command"'))).toHaveLength(1);
  });

  test("a fresh upstream extension with several commands already waiting gets each of them bare", async () => {
    const s = await startTestBridge();
    await connectUpstreamLikeExtension(s.addresses.wsUrl as string);
    const all = await Promise.all(
      ["a", "b", "c"].map((id) => rest(s.addresses.url, "POST", "/command", { type: "get_tabs", command_id: id })),
    );
    expect(all.map((r) => [r.status, r.json.command_id, r.json.message])).toEqual([
      [200, "a", "ok get_tabs"],
      [200, "b", "ok get_tabs"],
      [200, "c", "ok get_tabs"],
    ]);
  });

  test("commandFormat 'envelope' never falls back: the rejection is the command's failure", async () => {
    const s = await startTestBridge({ commandFormat: "envelope" });
    await connectUpstreamLikeExtension(s.addresses.wsUrl as string);
    const r = await rest(s.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "env-1" });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ success: false, command_id: "env-1", error: "Unknown command type: command" });
  });

  test("commandFormat 'bare' sends upstream's raw command objects", async () => {
    const s = await startTestBridge({ commandFormat: "bare" });
    const ext = await connectFakeExtension(s.addresses.wsUrl as string);
    const r = rest(s.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "raw-1" });
    const frame = await ext.nextJson((m: any) => m.command_id === "raw-1");
    expect(frame).toEqual({ type: "get_tabs", command_id: "raw-1" });
    ext.respond("raw-1");
    expect((await r).status).toBe(200);
  });
});

describe("security", () => {
  test("browser origins other than chrome-extension:// are refused", async () => {
    const s = await startTestBridge();
    const evil = await connectTestClient(s.addresses.wsUrl as string, { origin: "http://evil.example" }).catch(
      (e) => e,
    );
    expect(evil.status).toBe(403);
    const evilRestWs = await connectTestClient(s.addresses.restWsUrl, { origin: "https://evil.example" }).catch(
      (e) => e,
    );
    expect(evilRestWs.status).toBe(403);
    const ext = await connectFakeExtension(s.addresses.wsUrl as string, {
      origin: "chrome-extension://abcdefghijklmnop",
    });
    expect(ext.welcome.type).toBe("connected");
    const status = await rest(s.addresses.url, "GET", "/");
    expect(status.json.data.connections[0].origin).toBe("chrome-extension://abcdefghijklmnop");

    const page = await rest(
      s.addresses.url,
      "POST",
      "/command",
      { type: "get_tabs" },
      { Origin: "http://evil.example" },
    );
    expect(page.status).toBe(403);
    expect(page.json.error).toBe("Origin not allowed: http://evil.example");
    const sameOrigin = await rest(s.addresses.url, "GET", "/", undefined, { Origin: s.addresses.url });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.headers.get("access-control-allow-origin")).toBe(s.addresses.url);
  });

  test("DNS rebinding: a Host header that is not this machine is refused", async () => {
    const s = await startTestBridge({ allowedHosts: ["bridge.internal"] });
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        request(`${s.addresses.url}/`, { headers: { Host: host } }, (res) => {
          res.resume();
          resolve(res.statusCode as number);
        })
          .on("error", reject)
          .end();
      });
    expect(await status("evil.example:8765")).toBe(403);
    expect(await status(`localhost:${s.addresses.port}`)).toBe(200);
    expect(await status("bridge.internal")).toBe(200);
    const ws = await connectTestClient(s.addresses.wsUrl as string, { headers: { Host: "evil.example" } }).catch(
      (e) => e,
    );
    expect(ws.status).toBe(403);
  });

  test("allowedOrigins lets a listed page in, with CORS preflight", async () => {
    const s = await startTestBridge({ allowedOrigins: ["http://panel.test"] });
    const pre = await fetch(`${s.addresses.url}/command`, {
      method: "OPTIONS",
      headers: { Origin: "http://panel.test" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("http://panel.test");
    expect(pre.headers.get("access-control-allow-headers")).toContain("Authorization");
    const ws = await connectFakeExtension(s.addresses.wsUrl as string, { origin: "http://panel.test" });
    expect(ws.welcome.type).toBe("connected");
  });

  test("with a token, REST and WebSocket require it (health stays open)", async () => {
    const s = await startTestBridge({ token: "s3cret" });
    const noToken = await connectTestClient(s.addresses.wsUrl as string).catch((e) => e);
    expect(noToken.status).toBe(401);
    const wrong = await connectTestClient(`${s.addresses.wsUrl}/?token=nope`).catch((e) => e);
    expect(wrong.status).toBe(401);
    const ext = await connectFakeExtension(`${s.addresses.wsUrl}/?token=s3cret`);
    const viaHeader = await connectFakeExtension(s.addresses.restWsUrl, {
      headers: { Authorization: "Bearer s3cret" },
    });
    expect(viaHeader.welcome.type).toBe("connected");

    expect((await rest(s.addresses.url, "GET", "/")).status).toBe(401);
    expect((await rest(s.addresses.url, "GET", "/", undefined, { Authorization: "Bearer nope" })).status).toBe(401);
    expect((await rest(s.addresses.url, "GET", "/health")).status).toBe(200);
    const ok = await rest(s.addresses.url, "GET", "/", undefined, { Authorization: "Bearer s3cret" });
    expect(ok.json.data.extensions_connected).toBe(2);
    const q = rest(s.addresses.url, "POST", `/command?token=s3cret&extension=${ext.welcome.connection_id}`, {
      type: "get_tabs",
    });
    ext.respond((await ext.nextCommand()).command_id);
    expect((await q).status).toBe(200);
    const hdr = rest(s.addresses.url, "GET", "/tabs", undefined, { "X-Bridge-Token": "s3cret" });
    viaHeader.respond((await viaHeader.nextCommand()).command_id);
    expect((await hdr).status).toBe(200);
  });
});

test("mounts on a server of your own under a base path", async () => {
  const bridge = new BridgeServer({ basePath: "/bridge", heartbeat: false });
  const http = createServer((req, res) => {
    if (req.url?.startsWith("/bridge")) void bridge.handleRequest(req, res);
    else res.end("app");
  });
  http.on("upgrade", (req, socket, head) => void bridge.handleUpgrade(req, socket, head));
  const l = await listen(http);
  try {
    const ext = await connectFakeExtension(`${l.wsUrl}/bridge/ws`);
    const status = await rest(l.url, "GET", "/bridge/");
    expect(status.json.data.extensions_connected).toBe(1);
    const r = rest(l.url, "GET", "/bridge/tabs");
    ext.respond((await ext.nextCommand()).command_id, { data: { tabs: [], count: 0 } });
    expect((await r).json.data).toEqual({ tabs: [], count: 0 });
    expect(await (await fetch(`${l.url}/other`)).text()).toBe("app");
  } finally {
    await bridge.close(100);
    await closeHttpServer(http);
  }
});
