import { pack, unpack } from "msgpackr";
import { describe, expect, test } from "vitest";
import {
  decodeEvent,
  decodeFrame,
  encodeFrame,
  MsgpackEncoder,
  VuerDecodeError,
  VuerEventError,
} from "../src/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("msgpack encoder", () => {
  test("integers take their smallest form; non-integers are float32", () => {
    const cases: Array<[unknown, string]> = [
      [0, "00"],
      [127, "7f"],
      [128, "cc80"],
      [255, "ccff"],
      [256, "cd0100"],
      [65536, "ce00010000"],
      [2 ** 32, "cf0000000100000000"],
      [1700000000123, "cf0000018bcfe5687b"],
      [-1, "ff"],
      [-32, "e0"],
      [-33, "d0df"],
      [-129, "d1ff7f"],
      [-32769, "d2ffff7fff"],
      [-(2 ** 31) - 1, "d3ffffffff7fffffff"],
      [0.5, "ca3f000000"],
      [0.3, "ca3e99999a"],
      [-0, "ca80000000"],
      [Number.POSITIVE_INFINITY, "ca7f800000"],
      [2n ** 63n, "cf8000000000000000"],
      [-(2n ** 63n), "d38000000000000000"],
      [true, "c3"],
      [false, "c2"],
      [null, "c0"],
    ];
    for (const [v, h] of cases) expect(hex(encodeFrame(v)), String(v)).toBe(h);
  });

  test("strings, bins, arrays and maps switch header sizes at the right lengths", () => {
    for (const n of [0, 31, 32, 255, 256, 65535, 65536]) {
      const s = "x".repeat(n);
      const back = decodeFrame(encodeFrame(s));
      expect(back).toBe(s);
      expect(encodeFrame(s)).toEqual(new Uint8Array(pack(s))); // msgpackr agrees on str headers
    }
    expect(hex(encodeFrame("é".repeat(20)).subarray(0, 2))).toBe("d928"); // 40 UTF-8 bytes -> str8
    for (const n of [0, 255, 256, 65535, 65536]) {
      const b = new Uint8Array(n).fill(7);
      expect(decodeFrame(encodeFrame(b))).toEqual(b);
    }
    for (const n of [15, 16, 65535, 65536]) {
      const a = Array.from({ length: n }, (_, i) => i % 100);
      expect(decodeFrame(encodeFrame(a))).toEqual(a);
      const o = Object.fromEntries(a.slice(0, Math.min(n, 70000)).map((v, i) => [`k${i}`, v]));
      expect(decodeFrame(encodeFrame(o))).toEqual(o);
    }
  });

  test("typed arrays and ArrayBuffers go out as bin; undefined props are left out; toJSON is honoured", () => {
    const f = new Float32Array([1, 2]);
    expect(decodeFrame(encodeFrame({ a: f, b: f.buffer, c: undefined, d: new Date(0) }))).toEqual({
      a: new Uint8Array(f.buffer),
      b: new Uint8Array(f.buffer),
      d: "1970-01-01T00:00:00.000Z",
    });
  });

  test("functions, symbols, cycles and oversize bigints are refused", () => {
    const enc = new MsgpackEncoder(16);
    expect(() => enc.encode(() => 1)).toThrow(/cannot encode/);
    expect(() => enc.encode(Symbol("x"))).toThrow(/cannot encode/);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(() => enc.encode(cyc)).toThrow(/nested too deeply/);
    expect(() => enc.encode(2n ** 64n)).toThrow(/64 bits/);
    expect(enc.encode({ ok: 1 })).toEqual(new Uint8Array([0x81, 0xa2, 0x6f, 0x6b, 0x01])); // still usable
  });

  test("the buffer grows for large values and is reused safely", () => {
    const enc = new MsgpackEncoder(8);
    const big = enc.encode({ blob: new Uint8Array(100_000).fill(1) });
    const small = enc.encode([1, 2, 3]);
    expect(big.byteLength).toBe(100_000 + 5 + 5 + 1);
    expect(decodeFrame(big)).toEqual({ blob: new Uint8Array(100_000).fill(1) });
    expect(decodeFrame(small)).toEqual([1, 2, 3]);
    // Past 8 MiB of scratch (2M float32s) the buffer is given back; the encoder keeps working either way.
    const many = Array.from({ length: 2_000_000 }, (_, i) => i + 0.5);
    const frame = enc.encode(many);
    expect(frame.byteLength).toBe(5 + 2_000_000 * 5);
    expect((decodeFrame(frame) as number[])[1_999_999]).toBe(1_999_999.5);
    expect(decodeFrame(enc.encode({ after: "shrink" }))).toEqual({ after: "shrink" });
  });
});

describe("msgpack decoder", () => {
  test("reads what msgpackr writes (float64, maps, nested arrays, bins)", () => {
    const value = {
      ts: 1700000000.5,
      etype: "CAMERA_MOVE",
      value: { matrix: [1.25, 0, 0, 1], bytes: Buffer.from([1, 2]) },
    };
    const back = decodeFrame(new Uint8Array(pack(value))) as typeof value;
    expect(back.ts).toBe(1700000000.5);
    expect(back.value.matrix).toEqual([1.25, 0, 0, 1]);
    expect(back.value.bytes).toEqual(new Uint8Array([1, 2]));
    expect(unpack(encodeFrame({ a: [1, "x", null] }))).toEqual({ a: [1, "x", null] });
  });

  test("64-bit integers: numbers when safe, bigint beyond", () => {
    expect(decodeFrame(Uint8Array.from(Buffer.from("cf001fffffffffffff", "hex")))).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeFrame(Uint8Array.from(Buffer.from("cfffffffffffffffff", "hex")))).toBe(2n ** 64n - 1n);
    expect(decodeFrame(Uint8Array.from(Buffer.from("d3ffffffffffffffff", "hex")))).toBe(-1);
  });

  test("bad data throws VuerDecodeError: truncated, trailing, reserved and ext types, bad UTF-8, lying lengths", () => {
    const bad = [
      "",
      "c1",
      "d40100",
      "c70100",
      "a2ff",
      "a3e282",
      "dc0005",
      "dd7fffffff",
      "df7fffffff01",
      "8100",
      "0000",
      "c4",
    ];
    for (const h of bad) expect(() => decodeFrame(Uint8Array.from(Buffer.from(h, "hex"))), h).toThrow(VuerDecodeError);
    expect(() => decodeFrame("text")).toThrow(VuerDecodeError);
    expect(() => decodeFrame(Uint8Array.from(Buffer.from("81c0c0", "hex")))).toThrow(/map key/);
  });

  test("deep nesting is refused instead of overflowing the stack", () => {
    const deep = new Uint8Array(100_000).fill(0x91);
    expect(() => decodeFrame(deep)).toThrow(/nested too deeply/);
  });

  test("a __proto__ key stays data", () => {
    const frame = Uint8Array.from(Buffer.from("81a95f5f70726f746f5f5f81a178c3", "hex")); // {"__proto__": {"x": true}}
    const v = decodeFrame(frame) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect((v as { x?: unknown }).x).toBeUndefined();
    expect(Object.keys(v)).toEqual(["__proto__"]);
  });

  test("cached map keys: colliding, non-ASCII, 16/17-byte and truncated keys decode right every time", () => {
    const keys = ["é", "e", "ab", "ba", "x".repeat(16), "x".repeat(17), "ünïcödé", "", "0"];
    for (let i = 0; i < 5000; i++) keys.push(`k${i}`); // 5,000 keys in a 4,096-slot table: collisions
    const o = Object.fromEntries(keys.map((k, i) => [k, i]));
    for (let round = 0; round < 3; round++) expect(decodeFrame(encodeFrame(o))).toEqual(o);
    expect(decodeFrame(encodeFrame({ é: 1 }))).toEqual({ é: 1 });
    expect(decodeFrame(encodeFrame({ e: 2 }))).toEqual({ e: 2 });
    expect(decodeFrame(Uint8Array.from([0x81, 0x01, 0xc3]))).toEqual({ 1: true }); // integer key
    expect(() => decodeFrame(Uint8Array.from([0x81, 0xa5, 0x61, 0x62]))).toThrow(VuerDecodeError);
    expect(() => decodeFrame(Uint8Array.from([0x81, 0xa2, 0xff, 0xfe, 0x01]))).toThrow(/UTF-8/);
  });

  test("decodeEvent wants a map with a string etype", () => {
    expect(decodeEvent(encodeFrame({ etype: "X", value: 1 }))).toEqual({ etype: "X", value: 1 });
    for (const v of [[1], 5, "s", { value: 1 }, { etype: 5 }, new Uint8Array(2)]) {
      expect(() => decodeEvent(encodeFrame(v))).toThrow(VuerEventError);
    }
  });
});
