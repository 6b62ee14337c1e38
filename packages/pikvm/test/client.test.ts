import { createServer as createNetServer, type Socket } from "node:net";
import { listen } from "@proj/ws-core/server";
import { disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import {
  APIError,
  AuthError,
  ConnectError,
  ConnectionTimeoutError,
  InvalidInputError,
  PiKVM,
  PiKVMWebSocket,
  WebSocketError,
} from "../src/node/index.js";
import { INFO_FIELDS_SORTED, startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

describe("PiKVM + PiKVMWebSocket against the emulator", () => {
  test("the seed document's full example: type 'hello', read 5 events; the console shows it", async () => {
    const s = await startEmulator();
    await using kvm = new PiKVM(s.url, { user: "admin", passwd: "admin" });
    {
      await using ws = await kvm.ws();
      for (const char of "hello") {
        const key = `Key${char.toUpperCase()}`;
        ws.sendKey(key, true);
        ws.sendKey(key, false);
      }
      const events = [];
      for await (const event of ws.events()) {
        events.push(event);
        if (events.length >= 5) break;
      }
      expect(events.map((e) => e.event_type)).toEqual(["loop", "gpio", "hid", "atx", "msd"]);
      await ws.ping();
      expect(s.emu.console.typed).toBe("hello");
    }
    expect(await kvm.streamer.ocrText()).toBe("PiKVM emulator virtual console\nhello\n");
    await s.close();
  });

  test("merged state, version, every input kind, JSON and binary", async () => {
    const s = await startEmulator();
    const kvm = new PiKVM(s.url, { passwd: "admin" });
    for (const hid of ["json", "binary"] as const) {
      const ws = await kvm.ws({ hid });
      await ws.waitForState((st) => st.clients !== undefined);
      expect(ws.version).toEqual({ major: 4, minor: 206 });
      expect(Object.keys(ws.state.info).sort()).toEqual(INFO_FIELDS_SORTED);
      expect(ws.state.hid.keyboard.online).toBe(true);
      const before = s.emu.hid.log.length;
      ws.sendKey("ShiftLeft", true);
      ws.sendMouseMove(-100, 200);
      ws.sendMouseButton("right", true);
      ws.sendMouseWheel(0, -5);
      ws.sendMouseRelative(7, 8);
      expect(ws.held).toEqual({ keys: ["ShiftLeft"], buttons: ["right"] });
      expect(await ws.ping()).toBeGreaterThanOrEqual(0);
      const log = s.emu.hid.log.slice(before);
      expect(log.map((e) => e.type)).toEqual(["key", "mouse_move", "mouse_button", "mouse_wheel", "mouse_relative"]);
      expect(new Set(log.map((e) => e.source))).toEqual(new Set([hid === "json" ? "ws-json" : "ws-binary"]));
      expect(s.emu.hid.snapshot()).toMatchObject({
        keys: ["ShiftLeft"],
        buttons: ["right"],
        mouse: { x: -100, y: 200 },
      });
      // close() releases what this client holds before leaving.
      await ws.close();
      const releases = s.emu.hid.log
        .slice(before)
        .filter((e) => (e.type === "key" || e.type === "mouse_button") && !e.state);
      expect(releases.map((e) => e.source)).toContain(hid === "json" ? "ws-json" : "ws-binary");
    }
    await kvm.close();
    await s.close();
  });

  test("typeText with shift and symbols; untypable input refused before sending", async () => {
    const s = await startEmulator();
    await using ws = await PiKVMWebSocket.connect({ url: s.url, passwd: "admin" });
    await ws.typeText("Hi there! (1+1=2)\nnext: ~ok~");
    await ws.ping();
    expect(s.emu.console.typed).toBe("Hi there! (1+1=2)\nnext: ~ok~");
    expect(s.emu.hid.snapshot().keys).toEqual([]);
    const n = s.emu.hid.log.length;
    await expect(ws.typeText("café")).rejects.toBeInstanceOf(InvalidInputError);
    expect(() => ws.sendKey("NoSuchKey", true)).toThrow(InvalidInputError);
    expect(() => ws.sendMouseButton("wheel", true)).toThrow(InvalidInputError);
    expect(() => ws.sendMouseMove(Number.NaN, 0)).toThrow(InvalidInputError);
    await ws.ping();
    expect(s.emu.hid.log.length).toBe(n);
    await s.close();
  });

  test("handshake refusals map to typed errors", async () => {
    const s = await startEmulator();
    const fail = (o: object) =>
      PiKVMWebSocket.connect({ url: s.url, ...o }).then(
        () => undefined,
        (e: unknown) => e,
      );
    const wrong = await fail({ passwd: "nope" });
    expect(wrong).toBeInstanceOf(AuthError);
    expect(wrong).toMatchObject({
      status: 403,
      message: "Failed to connect: server rejected WebSocket connection: HTTP 403",
    });
    expect(await fail({ user: "", passwd: "" })).toMatchObject({ name: "AuthError", status: 401 });
    const bad = await fail({ passwd: "admin", stream: 2 });
    expect(bad).toBeInstanceOf(APIError);
    expect(bad).not.toBeInstanceOf(AuthError);
    expect(bad).toMatchObject({ status: 400 });
    expect(await fail({ passwd: "nope", auth: "cookie" })).toMatchObject({ name: "AuthError", status: 403 });
    expect(await fail({ passwd: "nope", auth: "basic" })).toMatchObject({ name: "AuthError", status: 403 });
    await s.close();
  });

  test("cookie and Basic auth modes connect", async () => {
    const s = await startEmulator();
    const via: string[] = [];
    s.emu.on("connection", (ctx) => via.push(ctx.via));
    for (const auth of ["cookie", "basic", "headers"] as const) {
      await using ws = await PiKVMWebSocket.connect({ url: s.url, passwd: "admin", auth });
      await ws.ping();
    }
    expect(via).toEqual(["cookie", "basic", "headers"]);
    await s.close();
  });

  test("not connected, refused port, open timeout", async () => {
    // A port that was just closed refuses connections (port 1 need not: on a shared machine, as root,
    // something may listen there).
    const closed = createNetServer();
    const { port: refusedPort } = await listen(closed);
    await new Promise((r) => closed.close(r));
    const ws = new PiKVMWebSocket({ url: `http://127.0.0.1:${refusedPort}`, passwd: "x" });
    expect(() => ws.sendKey("KeyA", true)).toThrow(WebSocketError);
    expect(() => ws.sendKey("KeyA", true)).toThrow(/Not connected/);
    await expect(ws.connect()).rejects.toBeInstanceOf(ConnectError);
    await expect(PiKVMWebSocket.connect({ url: "ftp://x" })).rejects.toBeInstanceOf(InvalidInputError);

    // A server that accepts TCP and never answers the upgrade.
    const sockets = new Set<Socket>();
    const silent = createNetServer((sock) => sockets.add(sock));
    const { port } = await listen(silent);
    trackLeftover(() => {
      for (const sock of sockets) sock.destroy();
      silent.close();
    });
    const err = await PiKVMWebSocket.connect({ url: `http://127.0.0.1:${port}`, openTimeout: 0.05 }).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionTimeoutError);
  });

  test("events() ends on a normal server close and throws when the connection is lost", async () => {
    const s = await startEmulator();
    const a = await PiKVMWebSocket.connect({ url: s.url, passwd: "admin" });
    const b = await PiKVMWebSocket.connect({ url: s.url, passwd: "admin" });
    await waitFor(() => s.emu.sessions === 2);
    // Drop b abruptly from the server side: no close frame.
    const bConn = [...s.emu.endpoint.connections].at(-1);
    bConn?.terminate();
    await expect(
      (async () => {
        for await (const _ of b.events()) {
          // drain
        }
      })(),
    ).rejects.toBeInstanceOf(WebSocketError);
    await s.close();
    let n = 0;
    for await (const _ of a.events()) n++;
    expect(n).toBeGreaterThan(0);
    expect(a.status).toBe("closed");
  });

  test("reconnect after a drop releases held keys (stuck-key safety) and keeps working", async () => {
    const s = await startEmulator();
    await using ws = await PiKVMWebSocket.connect({
      url: s.url,
      passwd: "admin",
      reconnect: { backoff: { minDelayMs: 5, maxDelayMs: 20, factor: 2, jitter: 0 } },
    });
    ws.sendKey("ControlLeft", true);
    ws.sendMouseButton("left", true);
    await ws.ping();
    expect(s.emu.hid.snapshot()).toMatchObject({ keys: ["ControlLeft"], buttons: ["left"] });
    const reconnected = new Promise<{ released: { keys: string[]; buttons: string[] } }>((r) => ws.on("reconnect", r));
    for (const c of s.emu.endpoint.connections) c.terminate();
    const { released } = await reconnected;
    expect(released).toEqual({ keys: ["ControlLeft"], buttons: ["left"] });
    expect(ws.held).toEqual({ keys: [], buttons: [] });
    ws.sendKey("KeyR", true);
    ws.sendKey("KeyR", false);
    await ws.ping();
    expect(s.emu.hid.snapshot()).toMatchObject({ keys: [], buttons: [] });
    expect(s.emu.console.typed).toBe("r");
    // The explicit releases from the client arrived on the new session.
    const last = s.emu.hid.log.filter((e) => e.source === "ws-json").slice(-4);
    expect(
      last.map((e) =>
        e.type === "key" || e.type === "mouse_button" ? `${"key" in e ? e.key : e.button}:${e.state}` : e.type,
      ),
    ).toEqual(["ControlLeft:false", "left:false", "KeyR:true", "KeyR:false"]);
    await s.close();
  });

  test("the client answers the server's heartbeat pings and stays connected", async () => {
    // Each ping goes out only after the pong to the one before, so 3 pongs prove the client answers;
    // the long pong timeout keeps a busy machine's delays from cutting it (no race with the clock).
    const s = await startEmulator({ heartbeatMs: 30, heartbeatTimeoutMs: 60_000 });
    await using ws = await PiKVMWebSocket.connect({ url: s.url, passwd: "admin" });
    let pongs = 0;
    for (const c of s.emu.endpoint.connections) c.ws.on("pong", () => pongs++);
    await waitFor(() => pongs >= 3);
    expect(ws.connected).toBe(true);
    expect(await ws.ping()).toBeGreaterThanOrEqual(0);
    await s.close();
  });

  test("a reconnect the server refuses ends the session with the typed error, without retrying", async () => {
    for (const auth of ["headers", "cookie"] as const) {
      const s = await startEmulator();
      const ws = await PiKVMWebSocket.connect({
        url: s.url,
        passwd: "admin",
        auth,
        reconnect: { backoff: { minDelayMs: 5, maxDelayMs: 20, factor: 2, jitter: 0 } },
      });
      const events = (async () => {
        for await (const _ of ws.events()) {
          // drain
        }
      })();
      // The password changed on the device: the handshake (or the cookie login) is refused with 403.
      const authorize = s.emu.auth.authorize.bind(s.emu.auth);
      let tries = 0;
      s.emu.auth.authorize = () => {
        tries++;
        return false;
      };
      for (const c of s.emu.endpoint.connections) c.terminate();
      await expect(events, auth).rejects.toMatchObject({ name: "AuthError", status: 403 });
      expect(ws.status).toBe("closed");
      expect(tries, auth).toBe(1);
      expect(() => ws.sendKey("KeyA", true)).toThrow(/Not connected/);
      s.emu.auth.authorize = authorize;
      await ws.close();
      await s.close();
    }
  });

  test("TLS with a self-signed certificate: verifySsl true refuses, false accepts, a pinned CA verifies", async () => {
    const s = await startEmulator({ tls: true });
    expect(s.url).toMatch(/^https:\/\//);
    const refused = await PiKVMWebSocket.connect({ url: s.url, passwd: "admin", verifySsl: true }).catch((e) => e);
    expect(refused).toBeInstanceOf(ConnectError);
    expect(String(refused.message)).toMatch(/self.signed|certificate/i);
    {
      await using ws = await PiKVMWebSocket.connect({ url: s.url, passwd: "admin", verifySsl: false });
      await ws.ping();
    }
    {
      await using ws = await PiKVMWebSocket.connect({
        url: s.url,
        passwd: "admin",
        verifySsl: true,
        ca: s.addr.tls?.cert as string,
      });
      await ws.ping();
    }
    // REST and cookie login go through the same TLS settings.
    const kvm = new PiKVM(s.url, { passwd: "admin" }); // verifySsl defaults to false, like aiopikvm's PiKVM
    expect((await kvm.info("auth")).auth).toEqual({ enabled: true });
    await expect(new PiKVM(s.url, { passwd: "admin", verifySsl: true }).info()).rejects.toThrow(/certificate/i);
    {
      await using ws = await kvm.ws({ auth: "cookie" });
      await ws.ping();
    }
    await s.close();
  });

  test("REST helpers: auth, hid print, atx, snapshot bytes, errors", async () => {
    const s = await startEmulator();
    const kvm = new PiKVM(s.url, { passwd: "admin" });
    expect(await kvm.auth.check()).toEqual({});
    expect(await kvm.auth.login()).toMatch(/^[0-9a-f]{64}$/);
    await kvm.hid.print("ok");
    await kvm.hid.sendShortcut("ShiftLeft", "KeyA");
    expect(s.emu.console.typed).toBe("okA");
    await kvm.atx.click("power", { wait: true });
    expect((await kvm.atx.getState()).leds.power).toBe(false);
    // Powered off: no signal, so a snapshot needs allow_offline (kvmd answers 503 otherwise).
    await expect(kvm.streamer.snapshot()).rejects.toMatchObject({ status: 503 });
    const jpg = await kvm.streamer.snapshot({ allowOffline: true });
    expect([...jpg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const png = await kvm.streamer.snapshot({ allowOffline: true, format: "png" });
    expect([...png.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    await expect(kvm.hid.sendKey("Nope")).rejects.toMatchObject({
      name: "APIError",
      status: 400,
      error: "ValidatorError",
    });
    await expect(new PiKVM(s.url, { passwd: "bad" }).hid.getState()).rejects.toBeInstanceOf(AuthError);
    await s.close();
  });
});
