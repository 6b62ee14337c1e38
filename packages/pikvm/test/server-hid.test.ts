import { connectTestClient, disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { AUTH, hex, rawClient, settle, startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

const ev = (type: string, event: unknown) => JSON.stringify({ event_type: type, event });

describe("JSON HID events with kvmd's validation", () => {
  test("valid events reach the virtual HID", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    c.send('{"event_type": "key", "event": {"key": "KeyA", "state": true}}');
    c.send(ev("mouse_button", { button: "LEFT", state: "yes" }));
    c.send(ev("mouse_move", { to: { x: 500, y: "-300" } }));
    c.send(ev("mouse_relative", { delta: { x: 10, y: -5 } }));
    c.send(
      ev("mouse_wheel", {
        delta: [
          { x: 0, y: 100 },
          { x: 0, y: 100 },
        ],
        squash: true,
      }),
    );
    c.send(ev("mouse_move", { to: { x: 99999999, y: -40000 } })); // clamped
    await settle(c);
    const snap = s.emu.hid.snapshot();
    expect(snap.keys).toEqual(["KeyA"]);
    expect(snap.buttons).toEqual(["left"]);
    expect(snap.mouse).toEqual({ x: 32767, y: -32768 });
    expect(snap.relative).toEqual({ x: 10, y: -5 });
    expect(snap.wheel).toEqual({ x: 0, y: 200 });
    expect(s.emu.hid.log.filter((e) => e.source === "ws-json").map((e) => e.type)).toEqual([
      "key",
      "mouse_button",
      "mouse_move",
      "mouse_relative",
      "mouse_wheel",
      "mouse_move",
    ]);
    // squash: 100+100 overflows 127, so two wheel steps remain.
    expect(s.emu.hid.log.find((e) => e.type === "mouse_wheel")).toMatchObject({
      deltas: [
        { x: 0, y: 100 },
        { x: 0, y: 100 },
      ],
    });
    await c.close();
    await s.close();
  });

  test("finish releases at once, except modifiers", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    c.send(ev("key", { key: "KeyB", state: true, finish: true }));
    c.send(ev("key", { key: "ShiftLeft", state: true, finish: true }));
    await settle(c);
    expect(s.emu.hid.snapshot().keys).toEqual(["ShiftLeft"]);
    expect(s.emu.hid.log.filter((e) => e.type === "key").map((e) => e.type === "key" && `${e.key}:${e.state}`)).toEqual(
      ["KeyB:true", "KeyB:false", "ShiftLeft:true"],
    );
    await c.close();
    await s.close();
  });

  test("invalid events are dropped silently and counted; the socket stays open", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    const invalid = [
      ev("key", { key: "NoSuchKey", state: true }),
      ev("key", { key: "keya", state: true }),
      ev("key", { key: "KeyA", state: "maybe" }),
      ev("key", { key: "KeyA", state: true, finish: 2 }),
      ev("key", { key: "KeyA" }),
      ev("mouse_button", { button: "wheel", state: true }),
      ev("mouse_move", { to: { x: 500.5, y: 1 } }),
      ev("mouse_move", { to: { x: 123456789, y: 1 } }),
      ev("mouse_move", { to: { x: true, y: 1 } }),
      ev("mouse_move", { to: [1, 2] }),
      ev("mouse_relative", { delta: { x: "a", y: 1 } }),
      ev("mouse_wheel", { delta: [{ x: 1 }] }),
    ];
    for (const m of invalid) c.send(m);
    c.send(ev("launch_missiles", {}));
    c.send("not json at all");
    c.send("[1, 2, 3]");
    c.send('{"event_type": "key", "event": null}');
    await settle(c);
    expect(s.emu.counters).toEqual({ invalid: invalid.length, unknown: 1, malformed: 3, errors: 0 });
    expect(s.emu.hid.snapshot()).toMatchObject({ keys: [], buttons: [], accepted: 0, dropped: invalid.length });
    // Nothing but the pong came back for all that.
    expect(c.received.filter((m) => typeof m === "string" && /"(pong)"/.test(m))).toHaveLength(1);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    await c.close();
    await s.close();
  });
});

describe("binary HID frames (kvmd 4.206 captures)", () => {
  test("accepted frames apply, dropped ones are counted, unknown op ignored", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    for (const f of [
      "01 01 436f6e74726f6c4c656674",
      "01 00 436f6e74726f6c4c656674",
      "01 03 4b657941",
      "03 0000 0000",
      "05 00 0000",
    ]) {
      c.send(hex(f));
    }
    for (const f of ["04 00 03 fc", "04 00 0102 fdfc", "05 01 00ff 00ff", "02 01 6d6964646c65", "02 00 6d6964646c65"])
      c.send(hex(f));
    for (const f of ["01 01 4e6f537563684b6579", "03 0000", "04 00 01"]) c.send(hex(f)); // dropped
    c.send(hex("c8")); // unknown op
    await settle(c);
    const log = s.emu.hid.log.filter((e) => e.source === "ws-binary");
    expect(log.map((e) => (e.type === "key" ? `${e.key}:${e.state}` : e.type))).toEqual([
      "ControlLeft:true",
      "ControlLeft:false",
      "KeyA:true",
      "KeyA:false",
      "mouse_move",
      "mouse_wheel",
      "mouse_relative",
      "mouse_relative",
      "mouse_wheel",
      "mouse_button",
      "mouse_button",
    ]);
    expect(s.emu.hid.snapshot()).toMatchObject({
      relative: { x: 1, y: -6 },
      wheel: { x: 0, y: -2 },
      keys: [],
      buttons: [],
    });
    expect(s.emu.counters).toMatchObject({ invalid: 3, unknown: 1 });
    await c.close();
    await s.close();
  });

  test("the evdev-code form (flags bit7) used by kvmd's own clients", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    c.send(hex("01 81 001e")); // KEY_A down
    c.send(hex("02 81 0111")); // BTN_RIGHT down
    c.send(hex("01 81 ffff")); // unknown code: dropped
    await settle(c);
    expect(s.emu.hid.snapshot()).toMatchObject({ keys: ["KeyA"], buttons: ["right"] });
    expect(s.emu.counters.invalid).toBe(1);
    await c.close();
    await s.close();
  });

  test("an empty binary frame ends the session with 1000", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    c.send(new Uint8Array(0));
    expect((await c.closed).code).toBe(1000);
    await s.close();
  });
});

describe("virtual target", () => {
  test("typing in binary (web UI style) shows on the console, with Shift and CapsLock", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    const key = (name: string, down: boolean) => c.send(Uint8Array.from([1, down ? 1 : 0, ...Buffer.from(name)]));
    const tap = (name: string) => {
      key(name, true);
      key(name, false);
    };
    key("ShiftLeft", true);
    tap("KeyH");
    key("ShiftLeft", false);
    tap("KeyI");
    tap("Digit1");
    tap("Backspace");
    tap("Space");
    tap("CapsLock");
    tap("KeyO");
    tap("KeyK");
    tap("Enter");
    await settle(c);
    expect(s.emu.console.typed).toBe("Hi OK");
    expect(s.emu.hid.leds.caps).toBe(true);
    // The caps LED change is broadcast as a full hid state.
    const hidEv = await c.nextJson((e: any) => e.event_type === "hid" && e.event.keyboard.leds.caps === true);
    expect(hidEv.event.keyboard.leds.caps).toBe(true);
    await c.close();
    await s.close();
  });

  test("held keys are kept in press order; a release from the middle keeps the rest", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    for (const k of ["ShiftLeft", "KeyA", "KeyB", "KeyC"]) c.send(ev("key", { key: k, state: true }));
    c.send(ev("key", { key: "KeyA", state: false }));
    c.send(ev("key", { key: "KeyZ", state: false })); // not held: no change
    c.send(ev("mouse_button", { button: "right", state: true }));
    c.send(ev("mouse_button", { button: "left", state: true }));
    c.send(ev("mouse_button", { button: "right", state: false }));
    await settle(c);
    expect([...s.emu.hid.keys]).toEqual(["ShiftLeft", "KeyB", "KeyC"]);
    expect(s.emu.hid.keys.has("KeyB")).toBe(true);
    expect(s.emu.hid.keys.has("KeyA")).toBe(false);
    expect(s.emu.hid.keys.size).toBe(3);
    expect([...s.emu.hid.buttons]).toEqual(["left"]);
    expect(s.emu.console.typed).toBe("ABC");
    await c.close();
    await waitFor(() => s.emu.sessions === 0);
    expect(s.emu.hid.snapshot()).toMatchObject({ keys: [], buttons: [] });
    await s.close();
  });

  test("held keys and buttons are released when a socket closes (and on connect)", async () => {
    const s = await startEmulator();
    const a = await rawClient(s.wsUrl);
    a.send(ev("key", { key: "AltLeft", state: true }));
    a.send(ev("mouse_button", { button: "left", state: true }));
    await settle(a);
    expect(s.emu.hid.snapshot()).toMatchObject({ keys: ["AltLeft"], buttons: ["left"] });
    a.ws.terminate(); // abrupt drop, no close frame
    await waitFor(() => s.emu.sessions === 0);
    expect(s.emu.hid.snapshot()).toMatchObject({ keys: [], buttons: [] });
    const releases = s.emu.hid.log.filter((e) => (e.type === "key" || e.type === "mouse_button") && !e.state);
    expect(releases).toHaveLength(2);
    expect(s.emu.hid.log.at(-1)).toMatchObject({ type: "release_all", reason: "disconnect" });
    await s.close();
  });
});

describe("limits and bad frames", () => {
  test("oversize frames close with 1009, invalid UTF-8 with 1007; other clients carry on", async () => {
    const s = await startEmulator({ maxPayload: 1024 });
    const bystander = await rawClient(s.wsUrl);
    const big = await rawClient(s.wsUrl);
    big.send("x".repeat(2048));
    expect((await big.closed).code).toBe(1009);
    const utf = await rawClient(s.wsUrl);
    // A text frame with invalid UTF-8 (ws lets a Buffer go out as text with binary: false).
    utf.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await utf.closed).code).toBe(1007);
    bystander.send(ev("key", { key: "KeyZ", state: true }));
    await settle(bystander);
    expect(s.emu.hid.snapshot().keys).toEqual(["KeyZ"]);
    await bystander.close();
    await s.close();
  });

  test("heartbeat: protocol pings after silence; a peer that never pongs is cut without a close frame", async () => {
    // A peer that never pongs is cut once the pong timeout runs out.
    const short = await startEmulator({ heartbeatMs: 30, heartbeatTimeoutMs: 30 });
    const dead = await connectTestClient(short.wsUrl, { headers: AUTH, autoPong: false });
    expect((await dead.closed).code).toBe(1006);
    await short.close();
    // One that answers is pinged again and again: the next ping goes out only after the pong to the
    // last one arrived. A pong timeout far above any delay a busy machine causes keeps this from
    // racing the clock (with 30 ms, a late pong would cut the live peer as well).
    const s = await startEmulator({ heartbeatMs: 30, heartbeatTimeoutMs: 60_000 });
    const live = await rawClient(s.wsUrl);
    let pings = 0;
    live.ws.on("ping", () => pings++);
    await waitFor(() => pings >= 3, { message: "three pings, each after the pong to the one before" });
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    await live.close();
    await s.close();
  });
});

describe("robustness", () => {
  test("a throwing hid listener is reported, not fatal: the session and others carry on", async () => {
    const s = await startEmulator();
    const errors: Error[] = [];
    s.emu.on("error", (e) => errors.push(e));
    s.emu.on("hid", (input) => {
      if (input.type === "key" && input.key === "KeyX") throw new Error("listener bug");
    });
    const c = await rawClient(s.wsUrl);
    c.send(ev("key", { key: "KeyX", state: true }));
    c.send(ev("key", { key: "KeyY", state: true }));
    await settle(c);
    expect(errors.map((e) => e.message)).toEqual(["listener bug"]);
    expect(s.emu.counters.errors).toBe(1);
    expect(s.emu.hid.snapshot().keys).toEqual(["KeyX", "KeyY"]);
    // The release of KeyX on disconnect throws in the listener again, outside any socket handler.
    await c.close();
    await waitFor(() => errors.length === 2);
    expect(s.emu.hid.snapshot().keys).toEqual([]);
    await s.close();
  });
});

describe("slow consumers", () => {
  test("a client that stops reading is disconnected once its backlog passes the limit; others are unaffected", async () => {
    const s = await startEmulator({ slowConsumerBytes: 64 * 1024 });
    const slow = await rawClient(s.wsUrl);
    const fast = await rawClient(s.wsUrl);
    await waitFor(() => s.emu.sessions === 2);
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = { note: "x".repeat(1000) };
    // Every 50 events the producer waits for the fast client to have read everything (its ping is
    // answered after them), so only the stalled one can pass the limit, whatever the machine's pace.
    for (let i = 0; i < 20_000 && s.emu.sessions === 2; i++) {
      s.emu.broadcastEvent("info", { extras: big });
      if (i % 50 === 49 && s.emu.sessions === 2) await settle(fast);
    }
    await waitFor(() => s.emu.sessions === 1, { timeoutMs: 30_000 });
    expect(s.emu.endpoint.stats.disconnected).toBe(1);
    await settle(fast);
    await fast.close();
    await s.close();
  });
});
