import { createServer as createNetServer } from "node:net";
import { listen } from "@proj/ws-core/server";
import { disposeLeftovers } from "@proj/ws-core/testing";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { BridgeServer } from "../src/server/index.js";
import { startTestBridge, type TestBridge } from "./helpers/bridge.js";
import { autoRespond, connectFakeExtension } from "./helpers/fake-extension.js";
import { rest } from "./helpers/rest.js";

let server: TestBridge;
let base: string;

beforeEach(async () => {
  server = await startTestBridge({ commandTimeoutMs: 5000 });
  base = server.addresses.url;
});
afterEach(disposeLeftovers);

describe("status routes", () => {
  test("GET / reports the documented envelope and connection counts", async () => {
    const before = await rest(base, "GET", "/");
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({
      success: true,
      message: "Local Chrome Server is running",
      error: null,
      data: {
        name: "Local Chrome Server",
        version: "0.1.0",
        status: "healthy",
        websocket_connections: 0,
        extensions_connected: 0,
      },
    });
    expect(typeof before.json.timestamp).toBe("number");
    expect(before.json.timestamp).toBeLessThan(1e11); // float seconds
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    const after = await rest(base, "GET", "/");
    expect(after.json.data.extensions_connected).toBe(1);
    expect(after.json.data.connections).toEqual([
      { id: ext.welcome.connection_id, connected_at: expect.any(Number), origin: null, default: true },
    ]);
  });

  test("GET /health answers without a round trip to the extension", async () => {
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    const r = await rest(base, "GET", "/health");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ success: true, message: "Server is healthy", data: { status: "ok" } });
    ext.send({ type: "ping" });
    await ext.nextJson((m: any) => m.type === "pong");
    expect(ext.received.some((m) => String(m).includes('"command"'))).toBe(false);
  });

  test("unknown routes are 404, wrong methods 405, oversized bodies 413", async () => {
    const nf = await rest(base, "GET", "/nope");
    expect(nf.status).toBe(404);
    expect(nf.json).toMatchObject({ success: false, error: "Not Found", data: null });
    const na = await rest(base, "PUT", "/command", {});
    expect(na.status).toBe(405);
    expect(na.headers.get("allow")).toBe("POST");
    const big = await rest(base, "POST", "/command", { type: "keyboard_type", text: "x".repeat(70_000) });
    expect(big.status).toBe(413);
    expect(big.json.error).toBe("Payload too large");
  });
});

describe("validation", () => {
  const cases: Array<[string, unknown, number, string]> = [
    ["invalid JSON", "not json", 400, "Invalid JSON body"],
    ["a JSON array", [1, 2], 400, "Command must be a JSON object"],
    ["no type", { dx: 1 }, 400, "Command must have 'type' field"],
    ["unknown type", { type: "bogus" }, 400, "Unknown command type: bogus"],
    ["missing field", { type: "mouse_move", dx: 100 }, 422, "Field required: 'dy'"],
    [
      "out of range",
      { type: "mouse_move", dx: 100, dy: 99999 },
      422,
      "Invalid value for 'dy': must be less than or equal to 5000",
    ],
    ["not an integer", { type: "mouse_move", dx: 1.5, dy: 0 }, 422, "Invalid type for 'dx': expected integer"],
    [
      "zero duration",
      { type: "mouse_move", dx: 1, dy: 0, duration: 0 },
      422,
      "Invalid value for 'duration': must be greater than 0",
    ],
    [
      "bad button",
      { type: "mouse_click", button: "side" },
      422,
      "Invalid value for 'button': must be one of left, right, middle",
    ],
    [
      "count too high",
      { type: "mouse_click", count: 4 },
      422,
      "Invalid value for 'count': must be less than or equal to 3",
    ],
    [
      "scroll amount",
      { type: "mouse_scroll", amount: 0 },
      422,
      "Invalid value for 'amount': must be greater than or equal to 1",
    ],
    [
      "text too long",
      { type: "keyboard_type", text: "x".repeat(1001) },
      422,
      "Invalid value for 'text': must be less than or equal to 1000 characters",
    ],
    [
      "key too long",
      { type: "keyboard_press", key: "k".repeat(51) },
      422,
      "Invalid value for 'key': must be less than or equal to 50 characters",
    ],
    [
      "unknown modifier",
      { type: "keyboard_press", key: "a", modifiers: ["Hyper"] },
      422,
      "Invalid value for 'modifiers.0': must be one of Control (Ctrl), Shift, Alt (Option), Meta (Command, Cmd)",
    ],
    [
      "quality",
      { type: "screenshot", quality: 101 },
      422,
      "Invalid value for 'quality': must be less than or equal to 100",
    ],
    ["open without url", { type: "tab", action: "open" }, 422, "URL is required for open action"],
    ["close without tab_id", { type: "tab", action: "close" }, 422, "tab_id is required for close action"],
    ["switch without tab_id", { type: "tab", action: "switch" }, 422, "tab_id is required for switch action"],
    [
      "bad tab action",
      { type: "tab", action: "reload" },
      422,
      "Invalid value for 'action': must be one of open, close, switch, list",
    ],
    [
      "negative tab_id",
      { type: "get_tabs", tab_id: -1 },
      422,
      "Invalid value for 'tab_id': must be greater than or equal to 0",
    ],
  ];
  test.each(cases)("%s", async (_name, body, status, error) => {
    const r = await rest(base, "POST", "/command", body);
    expect(r.status).toBe(status);
    expect(r.json).toMatchObject({ success: false, message: null, data: null, error });
  });
});

describe("commands", () => {
  test("503 when no extension is connected", async () => {
    const r = await rest(base, "POST", "/command", { type: "get_tabs", command_id: "c-1" });
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ success: false, error: "No Chrome extension connected", command_id: "c-1" });
  });

  test("a command travels in the envelope with defaults and comes back as the REST answer", async () => {
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    const pending = rest(base, "POST", "/command", { type: "mouse_click", double: true, tab_id: 7, extra: "ignored" });
    const raw = await ext.nextJson((m: any) => m.type === "command");
    expect(raw).toMatchObject({ type: "command", timestamp: expect.any(Number) });
    expect(raw.command).toEqual({
      type: "mouse_click",
      button: "left",
      double: true,
      count: 2,
      tab_id: 7,
      command_id: expect.stringMatching(/^cmd-/),
    });
    ext.respond(raw.command.command_id, { message: "Mouse clicked with left button", data: { count: 2 } });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      success: true,
      message: "Mouse clicked with left button",
      data: { count: 2 },
      error: null,
      command_id: raw.command.command_id,
      timestamp: expect.any(Number),
    });
  });

  test("an extension's failure is a 200 with success:false", async () => {
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    const pending = rest(base, "POST", "/command", { type: "tab", action: "close", tab_id: 5, command_id: "close-1" });
    const cmd = await ext.nextCommand();
    ext.respond(cmd.command_id, { success: false, message: null, data: null, error: "No tab with id: 5." });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ success: false, error: "No tab with id: 5.", command_id: "close-1" });
  });

  test("upstream-style responses (no type, ms timestamp) are accepted and normalised", async () => {
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    const pending = rest(base, "POST", "/command", { type: "get_tabs" });
    const cmd = await ext.nextCommand();
    ext.send({
      success: true,
      message: "Found 0 tabs",
      data: { tabs: [], count: 0 },
      command_id: cmd.command_id,
      timestamp: 1795304671025,
    });
    const r = await pending;
    expect(r.json).toMatchObject({ success: true, message: "Found 0 tabs", error: null, timestamp: 1795304671.025 });
  });

  test("keyboard_type strips control characters and tab urls get https:// only without a scheme", async () => {
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    autoRespond(ext);
    const typed = await rest(base, "POST", "/command", { type: "keyboard_type", text: "Hello\u0001World\n" });
    expect(typed.json.data.echo.text).toBe("HelloWorld\n");
    const bare = await rest(base, "POST", "/command", { type: "tab", action: "open", url: "example.com" });
    expect(bare.json.data.echo.url).toBe("https://example.com");
    const blank = await rest(base, "POST", "/command", { type: "tab", action: "open", url: "about:blank" });
    expect(blank.json.data.echo.url).toBe("about:blank");
  });

  test("504 when the extension does not answer in time", async () => {
    server = await startTestBridge({ commandTimeoutMs: 100 });
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    const r = await rest(server.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "slow-1" });
    expect(r.status).toBe(504);
    expect(r.json).toMatchObject({ success: false, error: "Command timeout after 0.1s", command_id: "slow-1" });
    expect(server.hub.pendingCount).toBe(0);
    await ext.nextCommand();
    // Without a command_id the body names the one the server assigned (the id the executor saw).
    const unnamed = rest(server.addresses.url, "POST", "/command", { type: "get_tabs" });
    const sent = await ext.nextCommand();
    const late = await unnamed;
    expect(late.status).toBe(504);
    expect(late.json.command_id).toBe(sent.command_id);
    expect(late.json.command_id).toMatch(/^cmd-/);
  });

  test("a pending command fails at once when its extension disconnects", async () => {
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    const pending = rest(base, "POST", "/command", { type: "screenshot" });
    const sent = await ext.nextCommand();
    ext.ws.terminate();
    const r = await pending;
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ success: false, error: "Extension disconnected", command_id: sent.command_id });
  });

  test("a command_id already pending is refused with 409; over the pending limit 429", async () => {
    server = await startTestBridge({ maxPendingCommands: 1 });
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    const first = rest(server.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "same" });
    await ext.nextCommand();
    const dup = await rest(server.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "same" });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toBe("Duplicate command_id: same is already pending");
    const over = await rest(server.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "other" });
    expect(over.status).toBe(429);
    expect(over.json.error).toBe("Too many pending commands (limit 1)");
    ext.respond("same");
    expect((await first).status).toBe(200);
  });
});

describe("shortcut routes", () => {
  const viaBody: Array<[string, string, unknown, Record<string, unknown>]> = [
    [
      "POST",
      "/mouse/move",
      { dx: 100, dy: 50, duration: 0.2, tab_id: 3, command_id: "move-1" },
      { type: "mouse_move", dx: 100, dy: 50, duration: 0.2, tab_id: 3, command_id: "move-1" },
    ],
    [
      "POST",
      "/mouse/click",
      { button: "right", count: 3 },
      { type: "mouse_click", button: "right", double: false, count: 3 },
    ],
    ["POST", "/mouse/scroll", { direction: "up", amount: 120 }, { type: "mouse_scroll", direction: "up", amount: 120 }],
    ["POST", "/keyboard/type", { text: "Hello, World!" }, { type: "keyboard_type", text: "Hello, World!" }],
    [
      "POST",
      "/keyboard/press",
      { key: "Enter", modifiers: ["Control", "Shift"] },
      { type: "keyboard_press", key: "Enter", modifiers: ["Control", "Shift"] },
    ],
    ["POST", "/screenshot", { quality: 70 }, { type: "screenshot", quality: 70, include_cursor: true, format: "jpeg" }],
    ["POST", "/tabs", { action: "switch", tab_id: 9 }, { type: "tab", action: "switch", tab_id: 9 }],
    ["GET", "/tabs", undefined, { type: "get_tabs" }],
  ];
  test.each(viaBody)("%s %s with a JSON body", async (method, path, body, expected) => {
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    autoRespond(ext);
    const r = await rest(base, method, path, body);
    expect(r.status).toBe(200);
    const { command_id, ...echo } = r.json.data.echo;
    const { command_id: wantId, ...want } = expected;
    expect(echo).toEqual(want);
    if (wantId) expect(command_id).toBe(wantId);
  });

  const viaQuery: Array<[string, Record<string, unknown>]> = [
    ["/mouse/move?dx=100&dy=-50", { type: "mouse_move", dx: 100, dy: -50, duration: 0.1 }],
    ["/mouse/click?button=middle&double=true", { type: "mouse_click", button: "middle", double: true, count: 2 }],
    ["/mouse/scroll?direction=left&amount=30", { type: "mouse_scroll", direction: "left", amount: 30 }],
    ["/keyboard/type?text=hi%20there", { type: "keyboard_type", text: "hi there" }],
    ["/keyboard/press?key=a&modifiers=Ctrl,Shift", { type: "keyboard_press", key: "a", modifiers: ["Ctrl", "Shift"] }],
    [
      "/screenshot?include_cursor=false&quality=50&tab_id=4",
      { type: "screenshot", include_cursor: false, quality: 50, format: "jpeg", tab_id: 4 },
    ],
    ["/tabs?action=open&url=http://127.0.0.1:1/", { type: "tab", action: "open", url: "http://127.0.0.1:1/" }],
  ];
  test.each(viaQuery)("POST %s with query parameters (upstream style)", async (path, expected) => {
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    autoRespond(ext);
    const r = await rest(base, "POST", path);
    expect(r.status).toBe(200);
    const { command_id: _id, ...echo } = r.json.data.echo;
    expect(echo).toEqual(expected);
  });

  test("upstream's /keyboard/press takes modifiers as a JSON array body; bad query values are 422", async () => {
    const ext = await connectFakeExtension(server.addresses.wsUrl as string);
    autoRespond(ext);
    const r = await rest(base, "POST", "/keyboard/press?key=Enter", ["Shift"]);
    expect(r.json.data.echo).toMatchObject({ key: "Enter", modifiers: ["Shift"] });
    const bad = await rest(base, "POST", "/mouse/move?dx=abc&dy=1");
    expect(bad.status).toBe(422);
    expect(bad.json.error).toBe("Invalid type for 'dx': expected number");
    const missing = await rest(base, "POST", "/keyboard/type");
    expect(missing.status).toBe(422);
    expect(missing.json.error).toBe("Field required: 'text'");
  });
});

describe("listen", () => {
  test("a busy WebSocket port fails listen() and leaves the REST port closed again (never half up)", async () => {
    const free = await listen(createNetServer());
    const restPort = free.port;
    await new Promise((r) => free.server.close(r));
    const bridge = new BridgeServer({ port: restPort, wsPort: server.addresses.wsPort as number });
    await expect(bridge.listen()).rejects.toMatchObject({ code: "EADDRINUSE", port: server.addresses.wsPort });
    const again = await listen(createNetServer(), { port: restPort }); // the REST port is free again
    await new Promise((r) => again.server.close(r));
  });
});
