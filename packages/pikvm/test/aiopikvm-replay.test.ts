import { createHash, randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, expect, test } from "vitest";
import { encodeBinaryKey, KEY_NAMES } from "../src/protocol/index.js";
import { rawClient, settle, startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

/** A byte-level WebSocket peer: what aiopikvm 0.2.1 (Python websockets 15) puts on the wire, replayed. */
class WirePeer {
  buf = Buffer.alloc(0);
  constructor(readonly sock: Socket) {
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
    });
  }

  async head(): Promise<string> {
    await waitFor(() => this.buf.includes("\r\n\r\n"));
    const end = this.buf.indexOf("\r\n\r\n") + 4;
    const head = this.buf.subarray(0, end).toString("latin1");
    this.buf = this.buf.subarray(end);
    return head;
  }

  /** Next server frame (unmasked, as servers send): opcode and payload. */
  async frame(): Promise<{ op: number; data: Buffer }> {
    let parsed: { op: number; data: Buffer; size: number } | undefined;
    await waitFor(() => {
      if (this.buf.length < 2) return false;
      let len = (this.buf[1] as number) & 0x7f;
      let off = 2;
      if (len === 126) {
        if (this.buf.length < 4) return false;
        len = this.buf.readUInt16BE(2);
        off = 4;
      }
      if (this.buf.length < off + len) return false;
      parsed = { op: (this.buf[0] as number) & 0x0f, data: this.buf.subarray(off, off + len), size: off + len };
      return true;
    });
    const p = parsed as { op: number; data: Buffer; size: number };
    this.buf = this.buf.subarray(p.size);
    return p;
  }

  /** A masked client frame, like every client must send. */
  send(op: number, payload: Buffer): void {
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
    const len =
      payload.length < 126
        ? Buffer.from([0x80 | payload.length])
        : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 255]);
    this.sock.write(Buffer.concat([Buffer.from([0x80 | op]), len, mask, masked]));
  }
}

test("aiopikvm 0.2.1's captured upgrade request and frames, replayed byte for byte (pikvm.md 1.6, 3.1)", async () => {
  const s = await startEmulator();
  const port = s.addr.port;
  const sock = connect(port, "127.0.0.1");
  trackLeftover(() => sock.destroy());
  const peer = new WirePeer(sock);
  const key = "icLp1mlmEKbByfwY3wltAA==";
  sock.write(
    [
      "GET /api/ws?stream=0 HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
      "X-KVMD-User: admin",
      "X-KVMD-Passwd: admin",
      "User-Agent: Python/3.11 websockets/15.0.1",
      "",
      "",
    ].join("\r\n"),
  );
  const head = await peer.head();
  expect(head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
  const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  expect(head).toContain(`Sec-WebSocket-Accept: ${accept}\r\n`);
  expect(head).not.toMatch(/Sec-WebSocket-Extensions/i); // deflate offered, not negotiated: fine for websockets
  const loop = await peer.frame();
  expect(loop.op).toBe(1);
  expect(loop.data.toString()).toBe('{"event_type": "loop", "event": {"version": {"major": 4, "minor": 206}}}');
  for (const text of [
    '{"event_type": "key", "event": {"key": "KeyA", "state": true}}',
    '{"event_type": "key", "event": {"key": "KeyA", "state": false}}',
    '{"event_type": "mouse_move", "event": {"to": {"x": 500, "y": 300}}}',
    '{"event_type": "mouse_button", "event": {"button": "left", "state": true}}',
    '{"event_type": "mouse_wheel", "event": {"delta": {"x": 0, "y": 5}}}',
    '{"event_type": "ping", "event": {}}',
  ]) {
    peer.send(1, Buffer.from(text));
  }
  let pong: { op: number; data: Buffer } | undefined;
  for (;;) {
    pong = await peer.frame();
    if (pong.data.toString().includes('"pong"')) break;
  }
  expect(pong.data.toString()).toBe('{"event_type": "pong", "event": {}}');
  expect(s.emu.hid.snapshot()).toMatchObject({
    keys: [],
    buttons: ["left"],
    mouse: { x: 500, y: 300 },
    wheel: { x: 0, y: 5 },
  });
  expect(s.emu.console.typed).toBe("a");
  // aiopikvm's close: 1000 answered with 1000.
  peer.send(8, Buffer.from([0x03, 0xe8]));
  const close = await peer.frame();
  expect(close.op).toBe(8);
  expect(close.data.readUInt16BE(0)).toBe(1000);
  await s.close();
});

test("all 126 key names are accepted in JSON and binary", async () => {
  const s = await startEmulator();
  const c = await rawClient(s.wsUrl);
  for (const key of KEY_NAMES) {
    c.send(JSON.stringify({ event_type: "key", event: { key, state: true } }));
    c.send(encodeBinaryKey(key, false));
  }
  await settle(c);
  expect(s.emu.hid.snapshot()).toMatchObject({ accepted: 2 * KEY_NAMES.length, dropped: 0, keys: [] });
  await c.close();
  await s.close();
});
