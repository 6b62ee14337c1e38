import type { IncomingMessage } from "node:http";
import { disposeLeftovers, startTestServer, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { PiKVMWebSocket } from "../src/node/index.js";
import { hex } from "./helpers.js";

afterEach(disposeLeftovers);

/** A scripted kvmd stand-in: records the upgrade request and every frame, and can push events. */
async function startFake() {
  const server = await startTestServer({ path: "/api/ws" });
  const frames: Array<string | Uint8Array> = [];
  let request: IncomingMessage | undefined;
  const conns: Array<{ send: (d: string | Uint8Array) => unknown }> = [];
  /** Pongs not sent yet while `holdPongs` is on. */
  const held: Array<() => void> = [];
  const state = { holdPongs: false };
  server.endpoint.on("connection", (conn) => {
    request = conn.request;
    conns.push(conn);
    conn.ws.on("message", (d: Buffer, binary) => {
      frames.push(binary ? new Uint8Array(d) : d.toString("utf8"));
      let pong: (() => unknown) | undefined;
      if (!binary && d.toString() === '{"event_type": "ping", "event": {}}')
        pong = () => conn.send('{"event_type": "pong", "event": {}}');
      if (binary && d.length === 1 && d[0] === 0) pong = () => conn.send(Uint8Array.of(0xff));
      if (pong && state.holdPongs) held.push(pong);
      else pong?.();
    });
  });
  return {
    server,
    frames,
    state,
    releasePongs: (n = held.length) => {
      for (const p of held.splice(0, n)) p();
    },
    base: server.url.replace(/^ws/, "http").replace(/\/api\/ws$/, ""),
    get request() {
      return request;
    },
    push: (frame: string | Uint8Array) => conns.at(-1)?.send(frame),
  };
}

describe("client frames, byte for byte against pikvm.md section 3", () => {
  test("JSON mode sends exactly aiopikvm 0.2.1's frames, ?stream=0 and the X-KVMD headers", async () => {
    const fake = await startFake();
    await using ws = await PiKVMWebSocket.connect({ url: fake.base, user: "admin", passwd: "s3cret" });
    expect(fake.request?.url).toBe("/api/ws?stream=0");
    expect(fake.request?.headers["x-kvmd-user"]).toBe("admin");
    expect(fake.request?.headers["x-kvmd-passwd"]).toBe("s3cret");
    ws.sendKey("KeyA", true);
    ws.sendMouseMove(500, 300);
    ws.sendMouseButton("left", true);
    ws.sendMouseWheel(0, 5);
    await ws.ping();
    expect(fake.frames).toEqual([
      '{"event_type": "key", "event": {"key": "KeyA", "state": true}}',
      '{"event_type": "mouse_move", "event": {"to": {"x": 500, "y": 300}}}',
      '{"event_type": "mouse_button", "event": {"button": "left", "state": true}}',
      '{"event_type": "mouse_wheel", "event": {"delta": {"x": 0, "y": 5}}}',
      '{"event_type": "ping", "event": {}}',
    ]);
    fake.frames.length = 0;
    ws.sendKey("KeyB", true, { finish: true });
    ws.sendMouseRelative(10, -5);
    ws.sendMouseRelativeBatch(
      [
        { x: 1, y: 2 },
        { x: 3, y: 4 },
      ],
      true,
    );
    await ws.ping();
    expect(fake.frames.slice(0, 3)).toEqual([
      '{"event_type": "key", "event": {"key": "KeyB", "state": true, "finish": true}}',
      '{"event_type": "mouse_relative", "event": {"delta": {"x": 10, "y": -5}}}',
      '{"event_type": "mouse_relative", "event": {"delta": [{"x": 1, "y": 2}, {"x": 3, "y": 4}], "squash": true}}',
    ]);
  });

  test("binary mode sends the web UI's frames (captured bytes)", async () => {
    const fake = await startFake();
    await using ws = await PiKVMWebSocket.connect({ url: fake.base, passwd: "admin", hid: "binary", stream: true });
    expect(fake.request?.url).toBe("/api/ws?stream=1");
    ws.sendKey("ControlLeft", true);
    ws.sendKey("ControlLeft", false);
    ws.sendKey("KeyA", true, { finish: true });
    ws.sendMouseMove(0, 0);
    ws.sendMouseWheel(0, 0);
    ws.sendMouseRelative(3, -4);
    ws.sendMouseRelativeBatch([
      { x: 1, y: 2 },
      { x: -3, y: -4 },
    ]);
    ws.sendMouseWheelBatch(
      [
        { x: 0, y: -1 },
        { x: 0, y: -1 },
      ],
      true,
    );
    ws.sendMouseButton("middle", false);
    const rtt = await ws.ping();
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(fake.frames).toEqual(
      [
        "01 01 436f6e74726f6c4c656674",
        "01 00 436f6e74726f6c4c656674",
        "01 03 4b657941",
        "03 0000 0000",
        "05 00 0000",
        "04 00 03 fc",
        "04 00 0102 fdfc",
        "05 01 00ff 00ff",
        "02 00 6d6964646c65",
        "00",
      ].map(hex),
    );
  });

  test("events: loop resets state, partials merge, pong and garbage are handled, order kept", async () => {
    const fake = await startFake();
    await using ws = await PiKVMWebSocket.connect({ url: fake.base, passwd: "admin" });
    fake.push('{"event_type": "loop", "event": {"version": {"major": 4, "minor": 206}}}');
    fake.push('{"event_type": "info", "event": {"auth": {"enabled": true}}}');
    fake.push("garbage");
    fake.push(Uint8Array.of(0xff)); // an unsolicited binary pong: skipped
    fake.push('{"event_type": "info", "event": {"node": {"host": "pikvm"}}}');
    fake.push('{"event_type": "streamer", "event": {"params": {"quality": 80}, "streamer": null}}');
    fake.push(
      '{"event_type": "streamer", "event": {"streamer": {"source": {"resolution": {"width": 1920, "height": 1080}}}}}',
    );
    const got: string[] = [];
    for await (const ev of ws.events()) {
      got.push(ev.event_type);
      if (got.length === 5) break;
    }
    expect(got).toEqual(["loop", "info", "info", "streamer", "streamer"]);
    expect(ws.version).toEqual({ major: 4, minor: 206 });
    expect(ws.state.info).toEqual({ auth: { enabled: true }, node: { host: "pikvm" } });
    expect(ws.state.streamer).toEqual({
      params: { quality: 80 },
      streamer: { source: { resolution: { width: 1920, height: 1080 } } },
    });
    expect(ws.malformedFrames).toBe(1);
    // Pixel moves use the streamer's resolution: the centre pixel is kvmd's (0,0) give or take rounding.
    ws.sendMouseMovePixels(1919, 0);
    await ws.ping();
    expect(fake.frames.at(-2)).toBe('{"event_type": "mouse_move", "event": {"to": {"x": 32767, "y": -32768}}}');
  });

  test("a ping that timed out keeps its place: its late pong does not resolve the next ping early", async () => {
    const fake = await startFake();
    await using ws = await PiKVMWebSocket.connect({ url: fake.base, passwd: "admin", hid: "binary" });
    fake.state.holdPongs = true;
    await expect(ws.ping({ timeoutMs: 20 })).rejects.toMatchObject({ name: "TimeoutError" });
    let second = false;
    const p = ws.ping().then(() => {
      second = true;
    });
    await waitFor(() => fake.frames.length === 2);
    fake.releasePongs(1); // only the first (timed-out) ping's pong goes out, then an event
    fake.push('{"event_type": "info", "event": {"node": {"host": "x"}}}');
    await ws.waitForEvent((e) => e.event_type === "info");
    expect(second).toBe(false);
    fake.state.holdPongs = false;
    fake.releasePongs();
    await p;
    expect(second).toBe(true);
  });

  test("keepalive sends application pings on its own", async () => {
    const fake = await startFake();
    await using ws = await PiKVMWebSocket.connect({
      url: fake.base,
      passwd: "admin",
      keepalive: { intervalMs: 10, timeoutMs: 1000 },
    });
    await waitFor(() => fake.frames.filter((f) => f === '{"event_type": "ping", "event": {}}').length >= 2);
    expect(ws.connected).toBe(true);
    // The keepalive's pongs are accounted for: a caller's ping still resolves on its own pong.
    expect(await ws.ping()).toBeGreaterThanOrEqual(0);
  });
});
