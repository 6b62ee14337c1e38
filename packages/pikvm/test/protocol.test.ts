import { describe, expect, test } from "vitest";
import {
  type BinaryHidEvent,
  decodeBinaryFrame,
  hasKnownName,
  deepMerge,
  encodeBinaryButton,
  encodeBinaryButtonCode,
  encodeBinaryDeltas,
  encodeBinaryKey,
  encodeBinaryKeyCode,
  encodeBinaryMove,
  encodeEvent,
  KEY_NAMES,
  KEY_EVDEV_CODES,
  keyFromEvdev,
  kvmdToPixel,
  parseEventFrame,
  parseStreamFlag,
  pixelToKvmd,
  pyJson,
  pyJsonPretty,
  US_KEYMAP,
  validBool,
  validCoord,
  validDelta,
  validKey,
  validButton,
} from "../src/protocol/index.js";
import { squashDeltas, VirtualHid } from "../src/server/virtual-hid.js";
import { hex } from "./helpers.js";

describe("JSON framing (Python json.dumps)", () => {
  test("aiopikvm 0.2.1 frames, byte for byte (pikvm.md 3.1)", () => {
    expect(encodeEvent("key", { key: "KeyA", state: true })).toBe(
      '{"event_type": "key", "event": {"key": "KeyA", "state": true}}',
    );
    expect(encodeEvent("mouse_move", { to: { x: 500, y: 300 } })).toBe(
      '{"event_type": "mouse_move", "event": {"to": {"x": 500, "y": 300}}}',
    );
    expect(encodeEvent("mouse_button", { button: "left", state: true })).toBe(
      '{"event_type": "mouse_button", "event": {"button": "left", "state": true}}',
    );
    expect(encodeEvent("mouse_wheel", { delta: { x: 0, y: 5 } })).toBe(
      '{"event_type": "mouse_wheel", "event": {"delta": {"x": 0, "y": 5}}}',
    );
    expect(encodeEvent("ping", {})).toBe('{"event_type": "ping", "event": {}}');
  });

  test("kvmd's loop and pong frames (pikvm.md 2.2)", () => {
    expect(encodeEvent("loop", { version: { major: 4, minor: 206 } })).toBe(
      '{"event_type": "loop", "event": {"version": {"major": 4, "minor": 206}}}',
    );
    expect(encodeEvent("pong", {})).toBe('{"event_type": "pong", "event": {}}');
  });

  test("ensure_ascii, escapes, null, arrays", () => {
    expect(pyJson({ a: 'é\n"', b: [1, null, false], c: [] })).toBe(
      '{"a": "\\u00e9\\n\\"", "b": [1, null, false], "c": []}',
    );
  });

  test("kvmd's refusal body: sorted keys, indent 4 (pikvm.md 1.4)", () => {
    expect(pyJsonPretty({ ok: false, result: { error_msg: "Forbidden", error: "ForbiddenError" } })).toBe(
      '{\n    "ok": false,\n    "result": {\n        "error": "ForbiddenError",\n        "error_msg": "Forbidden"\n    }\n}',
    );
  });

  test("parseEventFrame follows kvmd: event must exist and be an object", () => {
    expect(parseEventFrame('{"event_type": "ping", "event": {}}')).toEqual({ event_type: "ping", event: {} });
    expect(parseEventFrame('{"event_type": "ping"}')).toBeUndefined();
    expect(parseEventFrame('{"event_type": "ping", "event": []}')).toBeUndefined();
    expect(parseEventFrame('{"event_type": 1, "event": {}}')).toBeUndefined();
    expect(parseEventFrame("[1]")).toBeUndefined();
    expect(parseEventFrame("not json")).toBeUndefined();
  });
});

describe("binary HID frames (pikvm.md 3.2, real captures)", () => {
  test("encoders produce the captured bytes", () => {
    expect(encodeBinaryKey("ControlLeft", true)).toEqual(hex("01 01 436f6e74726f6c4c656674"));
    expect(encodeBinaryKey("ControlLeft", false)).toEqual(hex("01 00 436f6e74726f6c4c656674"));
    expect(encodeBinaryKey("KeyA", true, true)).toEqual(hex("01 03 4b657941"));
    expect(encodeBinaryMove(0, 0)).toEqual(hex("03 0000 0000"));
    expect(encodeBinaryDeltas(0x05, [{ x: 0, y: 0 }])).toEqual(hex("05 00 0000"));
    expect(encodeBinaryDeltas(0x04, [{ x: 3, y: -4 }])).toEqual(hex("04 00 03 fc"));
    expect(
      encodeBinaryDeltas(0x04, [
        { x: 1, y: 2 },
        { x: -3, y: -4 },
      ]),
    ).toEqual(hex("04 00 0102 fdfc"));
    expect(
      encodeBinaryDeltas(
        0x05,
        [
          { x: 0, y: -1 },
          { x: 0, y: -1 },
        ],
        true,
      ),
    ).toEqual(hex("05 01 00ff 00ff"));
    expect(encodeBinaryButton("middle", false)).toEqual(hex("02 00 6d6964646c65"));
    expect(encodeBinaryKeyCode("KeyA", true)).toEqual(hex("01 81 001e"));
    expect(encodeBinaryButtonCode("left", true)).toEqual(hex("02 81 0110"));
    expect(encodeBinaryMove(-32768, 32767)).toEqual(hex("03 8000 7fff"));
    expect(encodeBinaryMove(99999, -99999)).toEqual(hex("03 7fff 8000"));
  });

  test("decoder accepts kvmd's accepted frames and rejects the dropped ones", () => {
    expect(decodeBinaryFrame(hex("01 03 4b657941"))).toEqual({ type: "key", key: "KeyA", state: true, finish: true });
    expect(decodeBinaryFrame(hex("01 81 001e"))).toEqual({ type: "key", key: 30, state: true, finish: false });
    expect(decodeBinaryFrame(hex("03 8000 7fff"))).toEqual({ type: "mouse_move", x: -32768, y: 32767 });
    expect(decodeBinaryFrame(hex("04 00 0102 fdfc"))).toEqual({
      type: "mouse_relative",
      deltas: [
        { x: 1, y: 2 },
        { x: -3, y: -4 },
      ],
      squash: false,
    });
    expect(decodeBinaryFrame(hex("05 01 00ff 00ff"))).toMatchObject({ type: "mouse_wheel", squash: true });
    expect(decodeBinaryFrame(hex("02 00 6d6964646c65"))).toEqual({
      type: "mouse_button",
      button: "middle",
      state: false,
    });
    expect(decodeBinaryFrame(hex("00"))).toEqual({ type: "ping" });
    expect(decodeBinaryFrame(hex("03 0000"))).toMatchObject({ type: "invalid", reason: "malformed" });
    expect(decodeBinaryFrame(hex("04 00 01"))).toMatchObject({ type: "invalid", reason: "malformed" });
    expect(decodeBinaryFrame(hex("01 01 ff00"))).toMatchObject({ type: "invalid", reason: "malformed" });
    expect(decodeBinaryFrame(hex("c8"))).toEqual({ type: "invalid", reason: "unknown-op", op: 0xc8 });
    expect(decodeBinaryFrame(new Uint8Array(0))).toEqual({ type: "invalid", reason: "empty" });
    // The name is cut at 32 bytes, as kvmd's data[1:33].
    const long = decodeBinaryFrame(Uint8Array.from([1, 1, ...new TextEncoder().encode("K".repeat(40))]));
    expect(long.type === "key" && long.key).toBe("K".repeat(32));
  });

  test("known names decode to shared frozen events; every name and flag combination decodes right", () => {
    for (const key of KEY_NAMES) {
      for (const flags of [0, 1, 2, 3]) {
        const frame = Uint8Array.from([1, flags, ...new TextEncoder().encode(key)]);
        const ev = decodeBinaryFrame(frame);
        expect(ev).toEqual({ type: "key", key, state: (flags & 1) === 1, finish: (flags & 2) === 2 });
        expect(decodeBinaryFrame(frame)).toBe(ev);
        expect(Object.isFrozen(ev)).toBe(true);
        expect(hasKnownName(ev as BinaryHidEvent)).toBe(true);
      }
      // A key name on the button op is not a button (and vice versa): decoded as written, validated later.
      expect(decodeBinaryFrame(Uint8Array.from([2, 1, ...new TextEncoder().encode(key)]))).toEqual({
        type: "mouse_button",
        button: key,
        state: true,
      });
    }
    for (const button of ["left", "right", "middle", "up", "down"]) {
      const ev = decodeBinaryFrame(Uint8Array.from([2, 0x41, ...new TextEncoder().encode(button)]));
      expect(ev).toEqual({ type: "mouse_button", button, state: true });
    }
    expect(hasKnownName(decodeBinaryFrame(hex("01 81 001e")) as BinaryHidEvent)).toBe(false);
    // Near misses are new strings, not a wrong interned name.
    expect(decodeBinaryFrame(Uint8Array.from([1, 1, ...new TextEncoder().encode("KeyA ")]))).toEqual({
      type: "key",
      key: "KeyA ",
      state: true,
      finish: false,
    });
    expect(decodeBinaryFrame(Uint8Array.from([2, 1, ...new TextEncoder().encode("LEFT")]))).toEqual({
      type: "mouse_button",
      button: "LEFT",
      state: true,
    });
  });
});

describe("key table (pikvm.md 3.4)", () => {
  test("126 names, unique evdev codes, reverse lookup", () => {
    expect(KEY_NAMES).toHaveLength(126);
    expect(new Set(Object.values(KEY_EVDEV_CODES)).size).toBe(126);
    for (const k of KEY_NAMES) expect(keyFromEvdev(KEY_EVDEV_CODES[k])).toBe(k);
    for (const k of [
      "KeyA",
      "Digit0",
      "F24",
      "PrintScreen",
      "ContextMenu",
      "NumpadDecimal",
      "IntlYen",
      "AudioVolumeDown",
    ]) {
      expect(KEY_NAMES).toContain(k);
    }
    expect(validKey("KeyA")).toBe("KeyA");
    expect(validKey("keya")).toBeUndefined(); // case-sensitive
    expect(validKey("NoSuchKey")).toBeUndefined();
  });

  test("US keymap covers printable ASCII", () => {
    for (let c = 0x20; c < 0x7f; c++) expect(US_KEYMAP.strokes.get(String.fromCharCode(c))).toBeDefined();
    expect(US_KEYMAP.strokes.get("A")).toEqual({ key: "KeyA", shift: true });
    expect(US_KEYMAP.strokes.get("?")).toEqual({ key: "Slash", shift: true });
    expect(US_KEYMAP.strokes.get("é")).toBeUndefined();
  });
});

describe("kvmd validators", () => {
  test("valid_bool spellings and the stream flag", () => {
    for (const v of [true, 1, "1", "true", "YES", " yes "]) expect(validBool(v)).toBe(true);
    for (const v of [false, 0, "0", "False", "no"]) expect(validBool(v)).toBe(false);
    for (const v of [2, "abc", null, "", 1.5, "x".repeat(17)]) expect(validBool(v)).toBeUndefined();
    expect(parseStreamFlag(null)).toBe(true);
    expect(parseStreamFlag("0")).toBe(false);
    expect(parseStreamFlag("2")).toBeUndefined();
  });

  test("numbers: ints only, raw length 8, clamped", () => {
    expect(validCoord(500)).toBe(500);
    expect(validCoord("0x10")).toBe(16);
    expect(validCoord(99999999)).toBe(32767);
    expect(validCoord(-99999999)).toBeUndefined(); // 9 raw chars
    expect(validCoord(123456789)).toBeUndefined();
    expect(validCoord(500.5)).toBeUndefined();
    expect(validCoord(true)).toBeUndefined();
    expect(validDelta(500)).toBe(127);
    expect(validDelta(-500)).toBe(-127);
    expect(validButton("LEFT")).toBe("left");
    expect(validButton("wheel")).toBeUndefined();
  });

  test("the HID log keeps the last logLimit inputs, oldest first", () => {
    const hid = new VirtualHid({ logLimit: 3 });
    const moves = () => hid.log.map((e) => (e.type === "mouse_move" ? e.x : -1));
    hid.move(1, 0, "internal");
    hid.move(2, 0, "internal");
    expect(moves()).toEqual([1, 2]);
    for (let x = 3; x <= 7; x++) hid.move(x, 0, "internal");
    expect(moves()).toEqual([5, 6, 7]);
    hid.move(8, 0, "internal");
    expect(moves()).toEqual([6, 7, 8]);
    expect(hid.snapshot()).toMatchObject({ accepted: 8, mouse: { x: 8, y: 0 } });
    expect(hid.lastInputAt).toBeGreaterThan(0);
    expect(new VirtualHid({ logLimit: 0 }).log).toEqual([]);
  });

  test("squash accumulates while within ±127", () => {
    expect(
      squashDeltas([
        { x: 100, y: 0 },
        { x: 20, y: 0 },
        { x: 20, y: 1 },
      ]),
    ).toEqual([
      { x: 120, y: 0 },
      { x: 20, y: 1 },
    ]);
    expect(squashDeltas([{ x: 0, y: 0 }])).toEqual([]);
  });
});

describe("helpers", () => {
  test("pixel <-> kvmd coordinates: (0,0) is the centre", () => {
    const screen = { width: 1920, height: 1080 };
    expect(pixelToKvmd(0, 0, screen)).toEqual({ x: -32768, y: -32768 });
    expect(pixelToKvmd(1919, 1079, screen)).toEqual({ x: 32767, y: 32767 });
    const c = pixelToKvmd(959.5, 539.5, screen);
    expect(Math.abs(c.x)).toBeLessThanOrEqual(1);
    expect(kvmdToPixel(0, 0, screen)).toEqual({ x: 960, y: 540 });
    for (const x of [0, 1, 500, 1000, 1919]) expect(kvmdToPixel(pixelToKvmd(x, 0, screen).x, 0, screen).x).toBe(x);
  });

  test("deepMerge merges dicts, replaces scalars and arrays", () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 1 };
    expect(deepMerge(base, { a: { c: [3] }, e: null })).toEqual({ a: { b: 1, c: [3] }, d: 1, e: null });
    expect(base.a.c).toEqual([1, 2]);
  });
});

describe("zod schemas", () => {
  test("every JSON frame our client builds validates; bad ones do not", async () => {
    const { HidFrames } = await import("../src/client/hid-frames.js");
    const { clientEventSchema, serverEventSchema, pikvmProtocol } = await import("../src/protocol/schemas.js");
    const { parseMessage, jsonCodec, ProtocolError } = await import("@proj/ws-core");
    const f = new HidFrames("json");
    const frames = [
      f.ping(),
      f.key("KeyA", true, true),
      f.button("left", false),
      f.move(-32768, 32767),
      f.deltas("mouse_wheel", [{ x: 0, y: -5 }]),
      f.deltas(
        "mouse_relative",
        [
          { x: 1, y: 2 },
          { x: 3, y: 4 },
        ],
        true,
      ),
    ];
    for (const fr of frames)
      expect(() => parseMessage(pikvmProtocol.clientMessages, jsonCodec, fr as string)).not.toThrow();
    expect(clientEventSchema.safeParse({ event_type: "key", event: { key: "keya", state: true } }).success).toBe(false);
    expect(clientEventSchema.safeParse({ event_type: "mouse_move", event: { to: { x: 40000, y: 0 } } }).success).toBe(
      false,
    );
    expect(() => parseMessage(clientEventSchema, jsonCodec, '{"event_type": "nuke", "event": {}}')).toThrow(
      ProtocolError,
    );
    expect(
      serverEventSchema.parse({ event_type: "loop", event: { version: { major: 4, minor: 206 } } }).event_type,
    ).toBe("loop");
  });
});
