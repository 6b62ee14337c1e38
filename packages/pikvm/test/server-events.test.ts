import { disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { INFO_FIELDS } from "../src/protocol/index.js";
import { asEvent, FULL_STATE_TYPES, hex, rawClient, settle, startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

describe("event order and broadcast (pikvm.md 2.2)", () => {
  test("loop first with the version, then every full state, info one key per event, then clients", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    const first = await c.next();
    expect(first).toBe('{"event_type": "loop", "event": {"version": {"major": 4, "minor": 206}}}');
    const rest = [];
    for (let i = 0; i < FULL_STATE_TYPES.length; i++) rest.push(asEvent(await c.next()));
    expect(rest.map((e) => e.event_type)).toEqual(FULL_STATE_TYPES);
    const infos = rest.filter((e) => e.event_type === "info");
    expect(infos.map((e) => Object.keys(e.event))).toEqual(INFO_FIELDS.map((f) => [f]));
    expect(rest.find((e) => e.event_type === "clients")?.event).toEqual({ count: 1 });
    // Shapes of the real captures, so aiopikvm@HEAD's models and the web UI accept them.
    const hid = rest.find((e) => e.event_type === "hid")?.event;
    expect(hid.keyboard.leds).toEqual({ caps: false, scroll: false, num: true });
    expect(hid.mouse).toEqual({
      outputs: { available: ["usb", "usb_rel"], active: "usb" },
      online: true,
      absolute: true,
    });
    expect(rest.find((e) => e.event_type === "switch")?.event.model.ports).toEqual([]);
    expect(rest.find((e) => e.event_type === "streamer")?.event.streamer.source.resolution).toEqual({
      width: 964,
      height: 454,
    });
    // Frames use Python's separators.
    expect(c.received[1]).toMatch(/^\{"event_type": "gpio", "event": \{"model": /);
    await c.close();
    await s.close();
  });

  test("a joining session makes every session receive the full states again", async () => {
    const s = await startEmulator();
    const a = await rawClient(s.wsUrl);
    await a.next((m) => asEvent(m).event_type === "clients");
    const b = await rawClient(s.wsUrl);
    expect(asEvent(await b.next()).event_type).toBe("loop");
    // a sees no second loop, but all states and the new count.
    const n = 1 + FULL_STATE_TYPES.length;
    await waitFor(() => a.received.length >= n + FULL_STATE_TYPES.length);
    expect(a.received.slice(n).map((m) => asEvent(m).event_type)).toEqual(FULL_STATE_TYPES);
    expect(a.received.filter((m) => asEvent(m).event_type === "loop")).toHaveLength(1);
    await a.close();
    await b.close();
    await s.close();
  });

  test("ping in both forms: JSON pong {} and binary ff", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    c.send('{"event_type": "ping", "event": {}}');
    expect(await c.next((m) => typeof m === "string" && m.includes("pong"))).toBe(
      '{"event_type": "pong", "event": {}}',
    );
    c.send(hex("00"));
    expect(await c.next((m) => typeof m !== "string")).toEqual(hex("ff"));
    // A protocol-level PING from the client is answered with a PONG carrying the same data.
    const pong = new Promise<Buffer>((resolve) => c.ws.once("pong", resolve));
    c.ws.ping(Buffer.from("hi"));
    expect((await pong).toString()).toBe("hi");
    // A ping without "event" gets no pong (kvmd's parse rule); the next proper ping still does.
    c.send('{"event_type": "ping"}');
    await settle(c);
    expect(c.received.filter((m) => m === '{"event_type": "pong", "event": {}}')).toHaveLength(2);
    expect(s.emu.counters.malformed).toBe(1);
    await c.close();
    await s.close();
  });

  test("periodic info uptime and atx events on power changes", async () => {
    const s = await startEmulator({ uptimeIntervalMs: 20 });
    const c = await rawClient(s.wsUrl);
    await c.nextJson((e: any) => e.event_type === "clients");
    const up = await c.nextJson((e: any) => e.event_type === "info" && "uptime" in e.event);
    expect(up.event.uptime).toMatchObject({ total: expect.any(Number), parts: expect.any(Object) });
    await s.emu.atx.click("power");
    const busy = await c.nextJson((e: any) => e.event_type === "atx" && e.event.busy);
    expect(busy.event.acts.power).toBe(true);
    const off = await c.nextJson((e: any) => e.event_type === "atx" && !e.event.busy && !e.event.leds.power);
    expect(off.event.leds.power).toBe(false);
    await c.close();
    await s.close();
  });

  test("many clients at once: all get loop and states, all input lands, counts return to 0", async () => {
    const s = await startEmulator();
    const clients = await Promise.all(Array.from({ length: 25 }, (_, i) => rawClient(`${s.wsUrl}?stream=${i % 2}`)));
    for (const c of clients) expect(asEvent(await c.next()).event_type).toBe("loop");
    await waitFor(() => s.emu.sessions === 25);
    for (const c of clients) c.send('{"event_type": "mouse_move", "event": {"to": {"x": 1, "y": 2}}}');
    await Promise.all(clients.map((c) => settle(c)));
    expect(s.emu.hid.log.filter((e) => e.type === "mouse_move")).toHaveLength(25);
    // Every viewer leaves: the one left (stream=0, not a viewer) is told the count went back to 0.
    const last = clients[0] as (typeof clients)[number];
    for (const c of clients.slice(1)) await c.close();
    await waitFor(() => s.emu.sessions === 1);
    await settle(last);
    const counts = last.received.filter((m) => asEvent(m).event_type === "clients").map((m) => asEvent(m).event.count);
    expect(Math.max(...counts)).toBe(12);
    expect(counts.at(-1)).toBe(0);
    await last.close();
    await waitFor(() => s.emu.sessions === 0);
    await s.close();
  });

  test("server shutdown closes sessions with 1000", async () => {
    const s = await startEmulator();
    const c = await rawClient(s.wsUrl);
    await c.next();
    await s.close();
    expect((await c.closed).code).toBe(1000);
  });
});
