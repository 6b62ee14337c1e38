import { afterEach, describe, expect, test } from "vitest";
import { setSimdEnabled, simdKernels } from "../src/schemas/simd.js";
import { decodeFrame, encodeFrame, MsgpackEncoder, setEvent, upsertEvent } from "../src/index.js";
import {
  Box,
  DefaultScene,
  fromFloat16Bits,
  PointCloud,
  toColorBytes,
  toFloat16Bits,
  toFloat16Bytes,
} from "../src/schemas/index.js";

afterEach(() => setSimdEnabled(true));

/**
 * Every float32 built from each of the 512 sign/exponent values, 6 patterns of the 10 mantissa bits a float16
 * keeps (0, 1, 0x155, 0x2aa, 0x3fe, 0x3ff) and all 8,192 patterns of the 13 bits it drops: every rounding case
 * (below, at and above each tie, carries into the exponent and to infinity), every subnormal shift, infinities,
 * and NaNs with and without payload. 25,165,824 values.
 */
function sweep(): Float32Array {
  const mids = [0, 1, 0x155, 0x2aa, 0x3fe, 0x3ff];
  const bits = new Uint32Array(512 * mids.length * 8192);
  let i = 0;
  for (let hi = 0; hi < 512; hi++)
    for (const mid of mids) {
      const base = ((hi << 23) | (mid << 13)) >>> 0;
      for (let lo = 0; lo < 8192; lo++) bits[i++] = (base | lo) >>> 0;
    }
  return new Float32Array(bits.buffer);
}

/** Two checksums of the float16 bits over the sweep; numpy 2.4's `astype(np.float16)` gives these values. */
const NUMPY_SUMS = [824386256706, 102495921946006];
function sums(halfs: Uint16Array): number[] {
  let a = 0;
  let b = 0;
  for (let i = 0; i < halfs.length; i++) {
    const h = halfs[i] as number;
    a += h ^ (i & 0xffff);
    b += h * ((i % 251) + 1);
  }
  return [a, b];
}

const halfs = (bytes: Uint8Array) => new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);

/** numpy's rule, written out: nearest float16 of the float32 value (ties to even); NaN keeps its payload's top. */
function reference(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  if ((bits & 0x7fffffff) > 0x7f800000) return sign | Math.max(0x7c00 + ((bits & 0x7fffff) >>> 13), 0x7c01);
  const f = new Float32Array(new Uint32Array([bits]).buffer)[0] as number;
  return toFloat16Bits(f); // rounds the exact value once (double arithmetic, no bit tricks)
}

describe("float32 -> float16 bulk conversion", () => {
  test("the WebAssembly SIMD path is available on this runtime", () => {
    expect(simdKernels()).toBeDefined();
  });

  test("SIMD and plain-JS paths give numpy's exact bits over a sweep of every rounding case", () => {
    const input = sweep();
    const simd = halfs(toFloat16Bytes(input));
    expect(sums(simd)).toEqual(NUMPY_SUMS);
    setSimdEnabled(false);
    const js = halfs(toFloat16Bytes(input));
    expect(sums(js)).toEqual(NUMPY_SUMS);
    // And value by value against the written-out rule, around each rounding point of every exponent.
    const bits = new Uint32Array(input.buffer);
    let mismatches = 0;
    for (let i = 0; i < bits.length; i++) {
      const lo = i & 8191;
      if (lo > 63 && (lo < 0xfc0 || lo > 0x103f) && lo < 0x1fc0) continue;
      const want = reference(bits[i] as number);
      if (simd[i] !== want || js[i] !== want) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  test("numpy's special cases: NaN payloads, signed zeros, infinities, overflow, subnormals", () => {
    const cases: Array<[number, number]> = [
      [0x7f800001, 0x7c01], // signalling NaN with a payload below float16's: stays a NaN
      [0xff800001, 0xfc01],
      [0x7fc00000, 0x7e00],
      [0x7fffffff, 0x7fff],
      [0x7f800000, 0x7c00],
      [0xff800000, 0xfc00],
      [0x477fefff, 0x7bff], // just below the 65504/65536 midpoint
      [0x477ff000, 0x7c00], // the midpoint: ties to even = infinity
      [0x47800000, 0x7c00],
      [0x80000000, 0x8000],
      [0x33000000, 0x0000], // 2^-25: tie to even zero
      [0x33000001, 0x0001],
      [0x387fe000, 0x0400], // 1023.5 x 2^-24: ties to even, into the smallest normal
      [0x387fc000, 0x03ff],
      [0x00000001, 0x0000], // float32 subnormal
    ];
    // At least 64 values so that the SIMD path runs; the plain-JS path for the same input after.
    const bits = new Uint32Array(64 * cases.length);
    for (let i = 0; i < bits.length; i++) bits[i] = (cases[i % cases.length] as [number, number])[0];
    for (const simd of [true, false]) {
      setSimdEnabled(simd);
      const out = halfs(toFloat16Bytes(new Float32Array(bits.buffer)));
      for (let i = 0; i < cases.length; i++) {
        const [input, want] = cases[i] as [number, number];
        expect(`${input.toString(16)} -> ${(out[i] as number).toString(16)}`).toBe(
          `${input.toString(16)} -> ${want.toString(16)}`,
        );
      }
    }
    expect(fromFloat16Bits(0x7c01)).toBeNaN();
  });

  test("lengths that are not a multiple of the SIMD step, and inputs larger than one chunk", () => {
    for (const n of [64, 65, 71, 1000, 262_143, 262_144, 262_145, 600_001]) {
      const input = new Float32Array(n);
      for (let i = 0; i < n; i++) input[i] = Math.sin(i) * 70_000 * (i % 3 === 0 ? 1e-6 : 1);
      const simd = toFloat16Bytes(input);
      setSimdEnabled(false);
      const js = toFloat16Bytes(input);
      setSimdEnabled(true);
      expect(simd.byteLength).toBe(n * 2);
      expect(Buffer.from(simd).equals(Buffer.from(js)), `n=${n}`).toBe(true);
    }
  });

  test("colours: float32 0-1 to bytes as upstream's `colors *= 255; astype(uint8)`, clamped, NaN as 0", () => {
    const n = 300_001; // not a multiple of 3 or 16: the last partial row is dropped
    const input = new Float32Array(n);
    for (let i = 0; i < n; i++) input[i] = (i % 1200) / 1000 - 0.1; // -0.1 .. 1.099
    input[7] = Number.NaN;
    input[8] = Number.POSITIVE_INFINITY;
    input[9] = 8421504 * 2 ** -24; // 0.50196...: 127.99999 in float32 -> 127
    const simd = toColorBytes(input);
    setSimdEnabled(false);
    const js = toColorBytes(input);
    expect(simd.length).toBe(300_000);
    expect(Buffer.from(simd).equals(Buffer.from(js))).toBe(true);
    expect([...simd.subarray(0, 10)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 255, 127]);
    expect(simd[1199]).toBe(255); // 1.099 clamps
  });
});

describe("point clouds from float32: converted into the buffer their frame is written in", () => {
  const N = 50_000; // 300,000 vertex bytes: the in-place layout applies
  const xyz = new Float32Array(N * 3);
  const rgb = new Float32Array(N * 3);
  for (let i = 0; i < xyz.length; i++) {
    xyz[i] = Math.sin(i) * 70_000 * (i % 7 === 0 ? 2 ** -30 : 1); // normals, overflow, subnormals
    rgb[i] = (i % 300) / 255 - 0.1; // below 0 and above 1 too
  }
  xyz[5] = Number.NaN;
  const bytes = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  const asNode = (u: unknown) => (u as { data: { nodes: Array<{ vertices: Uint8Array; colors: Uint8Array }> } }).data;

  test("the first frame is written around the payloads in place, byte-identical to a copy; later ones are copies", () => {
    const pc = PointCloud({ key: "pc", vertices: xyz, colors: rgb, size: 0.01 });
    const vertices = pc.vertices as Uint8Array;
    const colors = pc.colors as Uint8Array;
    // numpy's bits and upstream's colour bytes, as the separate helpers make them.
    expect(bytes(vertices).equals(bytes(toFloat16Bytes(xyz)))).toBe(true);
    expect(bytes(colors).equals(bytes(toColorBytes(rgb)))).toBe(true);
    const event = upsertEvent(pc, { ts: 1 });
    const inPlace = encodeFrame(event);
    expect(inPlace.buffer).toBe(vertices.buffer); // no frame-sized buffer was allocated
    const copy = encodeFrame(event);
    expect(copy.buffer).not.toBe(vertices.buffer);
    expect(bytes(inPlace).equals(bytes(copy))).toBe(true);
    // A fresh encoder (its own scratch buffer) writes the same bytes too.
    expect(bytes(new MsgpackEncoder().encode(event)).equals(bytes(copy))).toBe(true);
    // The payloads were not touched by writing the frame around them.
    expect(bytes(vertices).equals(bytes(toFloat16Bytes(xyz)))).toBe(true);
    const back = asNode(decodeFrame(inPlace)).nodes[0];
    expect(bytes(back?.vertices as Uint8Array).equals(bytes(vertices))).toBe(true);
    expect(bytes(back?.colors as Uint8Array).equals(bytes(colors))).toBe(true);
  });

  test("in place only when the frame fits the room exactly; otherwise a copy, the same bytes either way", () => {
    type Cloud = ReturnType<typeof PointCloud>;
    const cases: Array<[string, (pc: Cloud) => unknown, boolean]> = [
      ["first child of a SET scene", (pc) => setEvent(DefaultScene(pc, { key: "scene" }), { ts: 1 }), true],
      ["the cloud twice", (pc) => upsertEvent([pc, pc], { ts: 1 }), false],
      ["too much before it", (pc) => upsertEvent([Box({ key: "b".repeat(3000) }), pc], { ts: 1 }), false],
      ["too much after it", (pc) => upsertEvent([pc, Box({ key: "a".repeat(3000) })], { ts: 1 }), false],
      [
        "props between vertices and colours",
        (pc) => upsertEvent({ ...pc, colors: undefined, c: pc.colors }, { ts: 1 }),
        false,
      ],
    ];
    for (const [name, make, inPlace] of cases) {
      const pc = PointCloud({ key: "pc", vertices: xyz, colors: rgb });
      const first = encodeFrame(make(pc));
      const second = encodeFrame(make(pc));
      expect(first.buffer === (pc.vertices as Uint8Array).buffer, name).toBe(inPlace);
      expect(second.buffer === (pc.vertices as Uint8Array).buffer, name).toBe(false);
      expect(bytes(first).equals(bytes(second)), name).toBe(true);
      expect(bytes(pc.vertices as Uint8Array).equals(bytes(toFloat16Bytes(xyz))), name).toBe(true);
      expect(bytes(pc.colors as Uint8Array).equals(bytes(toColorBytes(rgb))), name).toBe(true);
    }
    const rgbBytes = toColorBytes(rgb).slice();
    const given = PointCloud({ key: "bytes", vertices: xyz, colors: rgbBytes });
    const withBytes = encodeFrame(upsertEvent(given, { ts: 1 }));
    expect(withBytes.buffer).toBe((given.vertices as Uint8Array).buffer); // colour bytes copied in, frame in place
    expect(bytes(asNode(decodeFrame(withBytes)).nodes[0]?.colors as Uint8Array).equals(bytes(rgbBytes))).toBe(true);
    const bare = PointCloud({ key: "bare", vertices: xyz });
    const frame = encodeFrame(upsertEvent(bare, { ts: 1 }));
    expect(frame.buffer).toBe((bare.vertices as Uint8Array).buffer);
    expect(asNode(decodeFrame(frame)).nodes[0]?.colors).toBeUndefined();
  });

  test("without WebAssembly SIMD the same bytes", () => {
    const simd = encodeFrame(upsertEvent(PointCloud({ key: "pc", vertices: xyz, colors: rgb }), { ts: 1 }));
    setSimdEnabled(false);
    const js = encodeFrame(upsertEvent(PointCloud({ key: "pc", vertices: xyz, colors: rgb }), { ts: 1 }));
    expect(bytes(simd).equals(bytes(js))).toBe(true);
  });
});
