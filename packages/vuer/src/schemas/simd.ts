/**
 * Bulk float32 -> float16 and float32 -> uint8 colour conversion in WebAssembly SIMD (128-bit lanes, 8 values
 * per step), with the exact results of numpy's `astype(np.float16)` and `(c * 255).astype(np.uint8)` (clamped).
 * The module is assembled below from its instructions (under 1 KiB, no build step); runtimes without
 * WebAssembly SIMD, or pages whose CSP forbids WebAssembly, get `undefined` and the callers use plain JS.
 */

/** Values converted per call: one chunk in and one out (256 + 128 KiB) stay in the CPU cache between the copies. */
const CHUNK = 64 * 1024;
const PAGES = (CHUNK * 4 + CHUNK * 2) / 65536;
const OUT_AT = CHUNK * 4;

// ---- a tiny WebAssembly assembler ----

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// Instructions used (core and SIMD opcodes).
const I32 = 0x7f;
const V128 = 0x7b;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const i32c = (n: number) => [0x41, ...sleb(n)];
const simd = (op: number) => [0xfd, ...uleb(op)];
/** v128.const with the same 32-bit value in all four lanes. */
const splat = (n: number) => {
  const b = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  return [...simd(0x0c), ...b, ...b, ...b, ...b];
};
const load = (offset: number) => [...simd(0x00), 4, ...uleb(offset)];
const store = [...simd(0x0b), 4, 0];
const AND = simd(0x4e);
const OR = simd(0x50);
const BITSELECT = simd(0x52); // (a, b, mask) -> a where mask, b elsewhere
const I32X4_LT_S = simd(0x39);
const I32X4_GT_S = simd(0x3b);
const I32X4_SHR_U = simd(0xad);
const I32X4_ADD = simd(0xae);
const I32X4_SUB = simd(0xb1);
const I32X4_MIN_S = simd(0xb6);
const I32X4_MIN_U = simd(0xb7);
const I32X4_MAX_S = simd(0xb8);
const I32X4_MAX_U = simd(0xb9);
const I32X4_ALL_TRUE = simd(0xa3);
const F32X4_TRUNC = simd(0x69);
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);
const F32X4_PMIN = simd(0xea);
const F32X4_PMAX = simd(0xeb);
const I16X8_NARROW_I32X4_S = simd(0x85);
const I16X8_NARROW_I32X4_U = simd(0x86);
const I8X16_NARROW_I16X8_U = simd(0x66);

// Function parameters: 0 = source address, 1 = destination address, 2 = steps; then the v128 locals: working
// values, then constants splatted once before the loop (a v128.const inside the loop is rebuilt every step).
const SRC = 0;
const DST = 1;
const STEPS = 2;
const X = 3;
const A = 4;
const R = 5;
const S = 6;
const T = 7;
const X1 = 8;
const A1 = 9;
const LOCALS = 7; // v128 working locals 3..9
const constants: number[] = [];
/** A v128 local holding `n` in all four lanes, set once in the function's prologue. */
const K = (n: number): number[] => {
  let at = constants.indexOf(n);
  if (at < 0) {
    constants.push(n);
    at = constants.length - 1;
  }
  return get(3 + LOCALS + at);
};

/**
 * Four float32 bit patterns (in `X`, their absolute value in `A`) to four float16 bit patterns in i32 lanes, as
 * numpy's `npy_floatbits_to_halfbits`: round to nearest, ties to even; overflow to infinity; NaN keeps the top of
 * its payload (at least 1); float16 subnormals rounded the same way.
 */
const half4 = (x: number, a: number): number[] => [
  ...get(a),
  ...i32c(13),
  ...I32X4_SHR_U,
  ...set(S), // |x| >> 13
  // Normal range: rebias and round with integer adds: (a - 0x38000000 + 0xfff + ((a >> 13) & 1)) >> 13; a carry
  // out of the mantissa steps the exponent up. Past 65504 the result exceeds 0x7c00: the minimum makes every
  // overflow and infinity exactly 0x7c00.
  ...get(a),
  ...K(0xfff - 0x38000000),
  ...I32X4_ADD,
  ...get(S),
  ...K(1),
  ...AND,
  ...I32X4_ADD,
  ...i32c(13),
  ...I32X4_SHR_U,
  ...K(0x7c00),
  ...I32X4_MIN_U,
  // NaN (|x| > 0x7f800000): 0x7c00 + (mantissa >> 13) = (|x| >> 13) - 0x38000, at least 0x7c01 (stays a NaN).
  ...get(S),
  ...K(0x38000),
  ...I32X4_SUB,
  ...K(0x7c01),
  ...I32X4_MAX_U,
  ...swapUnder(a, 0x7f800000, I32X4_GT_S),
  // |x| < 2^-14 (float16 subnormals and zero): adding 0.5f rounds |x| to a multiple of 2^-24 (ties to even)
  // in the low mantissa bits of the sum, which are the float16 bits.
  ...get(a),
  ...K(0x3f000000),
  ...F32X4_ADD,
  ...K(0x3f000000),
  ...I32X4_SUB,
  ...swapUnder(a, 0x38800000, I32X4_LT_S),
  ...sign(x),
];

/** The normal-range rounding alone (2^-14 <= |x| < 2^16 in every lane): the same bits, a third of the work. */
const normal4 = (x: number, a: number): number[] => [
  ...get(a),
  ...K(0xfff - 0x38000000),
  ...I32X4_ADD,
  ...get(a),
  ...i32c(13),
  ...I32X4_SHR_U,
  ...K(1),
  ...AND,
  ...I32X4_ADD,
  ...i32c(13),
  ...I32X4_SHR_U,
  ...sign(x),
];

/** ORs the sign of the float32s in local `x` into the float16 bits on the stack. */
const sign = (x: number): number[] => [...get(x), ...i32c(16), ...I32X4_SHR_U, ...K(0x8000), ...AND, ...OR];

/** Loads four float32s from `SRC + offset` into local `x` and their absolute values into local `a`. */
const load4 = (offset: number, x: number, a: number): number[] => [
  ...get(SRC),
  ...load(offset),
  0x22, // local.tee
  x,
  ...K(0x7fffffff),
  ...AND,
  ...set(a),
];

/**
 * With [r, v] on the stack, leaves `v` in the lanes where `a <cmp> limit` (`a`: the local holding |x|), else `r` (through the local R,
 * since bitselect takes its mask last).
 */
function swapUnder(a: number, limit: number, cmp: number[]): number[] {
  return [...set(R), ...set(T), ...get(R), ...get(T), ...get(a), ...K(limit), ...cmp, ...BITSELECT];
}

/**
 * Four float32 colours from `SRC + offset` times 255, clamped to 0-255 with NaN as 0 (pmax/pmin with the constant
 * first: a NaN product compares false and gives the constant), truncated toward zero, as integers in i32 lanes:
 * adding 2^23 puts a float in 0-255 as an integer in the low mantissa bits, and subtracting 2^23's bits leaves it.
 */
const colour4 = (offset: number): number[] => [
  ...K(0x437f0000), // 255.0f
  ...K(0),
  ...get(SRC),
  ...load(offset),
  ...K(0x437f0000),
  ...F32X4_MUL,
  ...F32X4_PMAX, // 0 < p ? p : 0
  ...F32X4_PMIN, // q < 255 ? q : 255
  ...F32X4_TRUNC,
  ...K(0x4b000000), // 2^23
  ...F32X4_ADD,
  ...K(0x4b000000),
  ...I32X4_SUB,
];

/** `do { body; src += srcStep; dst += dstStep } while (--steps)`, skipped when steps is 0. */
const loop = (body: number[], srcStep: number, dstStep: number): number[] => [
  ...[0x02, 0x40], // block
  ...get(STEPS),
  0x45, // i32.eqz
  ...[0x0d, 0], // br_if 0
  ...[0x03, 0x40], // loop
  ...body,
  ...get(SRC),
  ...i32c(srcStep),
  0x6a, // i32.add
  ...set(SRC),
  ...get(DST),
  ...i32c(dstStep),
  0x6a,
  ...set(DST),
  ...get(STEPS),
  ...i32c(1),
  0x6b, // i32.sub
  0x22, // local.tee
  STEPS,
  ...[0x0d, 0], // br_if 0 (the loop)
  0x0b, // end loop
  0x0b, // end block
];

/** A function whose body uses the constants collected by `K` while it was built: they are splatted first. */
const func = (body: number[]): number[] => {
  const prologue = constants.flatMap((n, i) => [...splat(n), ...set(3 + LOCALS + i)]);
  const code = [...vec([[LOCALS + constants.length, V128]]), ...prologue, ...body, 0x0b];
  constants.length = 0;
  return [...uleb(code.length), ...code];
};

/**
 * 8 float32 (32 bytes) -> 8 float16 (16 bytes) per step. When all eight are in float16's normal range (the common
 * case) only the normal rounding runs; otherwise the full conversion, with the same bits for normal lanes.
 */
const halfFn = func(
  loop(
    [
      ...load4(0, X, A),
      ...load4(16, X1, A1),
      // Every lane normal: min(|x|) >= 2^-14 and max(|x|) < 2^16 (signed compares: |x| bits are non-negative).
      ...get(A),
      ...get(A1),
      ...I32X4_MIN_S,
      ...K(0x387fffff),
      ...I32X4_GT_S,
      ...get(A),
      ...get(A1),
      ...I32X4_MAX_S,
      ...K(0x47800000),
      ...I32X4_LT_S,
      ...AND,
      ...I32X4_ALL_TRUE,
      ...[0x04, 0x40], // if
      ...get(DST),
      ...normal4(X, A),
      ...normal4(X1, A1),
      ...I16X8_NARROW_I32X4_U,
      ...store,
      0x05, // else
      ...get(DST),
      ...half4(X, A),
      ...half4(X1, A1),
      ...I16X8_NARROW_I32X4_U,
      ...store,
      0x0b, // end if
    ],
    32,
    16,
  ),
);
/** 16 float32 (64 bytes) -> 16 uint8 per step: the narrows of values already in 0..255 keep them. */
const colourFn = func(
  loop(
    [
      ...get(DST),
      ...colour4(0),
      ...colour4(16),
      ...I16X8_NARROW_I32X4_S,
      ...colour4(32),
      ...colour4(48),
      ...I16X8_NARROW_I32X4_S,
      ...I8X16_NARROW_I16X8_U,
      ...store,
    ],
    64,
    16,
  ),
);

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vec([[0x60, 3, I32, I32, I32, 0]])), // type 0: (i32, i32, i32) -> ()
  ...section(3, vec([[0], [0]])), // two functions of type 0
  ...section(5, vec([[0x01, ...uleb(PAGES), ...uleb(PAGES)]])), // one memory, fixed size
  ...section(
    7,
    vec([
      [...name("m"), 0x02, 0],
      [...name("h"), 0x00, 0],
      [...name("c"), 0x00, 1],
    ]),
  ),
  ...section(10, vec([halfFn, colourFn])),
]);

export interface SimdKernels {
  /** float16 bits of `src` into `out` (same length). */
  half(src: Float32Array, out: Uint16Array): void;
  /** Clamped `trunc(src * 255)` of `src` into `out` (same length). */
  colours(src: Float32Array, out: Uint8Array): void;
}

let kernels: SimdKernels | null | undefined;

/** The SIMD kernels, or undefined where WebAssembly SIMD is unavailable (or `VUER_NO_SIMD` is set, in Node). */
export function simdKernels(): SimdKernels | undefined {
  if (kernels === undefined) kernels = instantiate();
  return kernels ?? undefined;
}

/** For tests and benches: turn the SIMD path off (false) or on again (true). */
export function setSimdEnabled(enabled: boolean): void {
  kernels = enabled ? instantiate() : null;
}

function instantiate(): SimdKernels | null {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    if (env?.VUER_NO_SIMD) return null;
    const wasm = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
    if (!wasm) return null;
    const instance = new wasm.Instance(new wasm.Module(MODULE));
    const { m, h, c } = instance.exports as {
      m: WebAssembly.Memory;
      h: (src: number, dst: number, steps: number) => void;
      c: (src: number, dst: number, steps: number) => void;
    };
    const f32 = new Float32Array(m.buffer, 0, CHUNK);
    const u16 = new Uint16Array(m.buffer, OUT_AT, CHUNK);
    const u8 = new Uint8Array(m.buffer, OUT_AT, CHUNK);
    return {
      half(src, out) {
        for (let i = 0; i < src.length; i += CHUNK) {
          const n = Math.min(CHUNK, src.length - i);
          f32.set(src.subarray(i, i + n));
          h(0, OUT_AT, Math.ceil(n / 8)); // values past n in the last step are stale and not copied out
          out.set(n === CHUNK ? u16 : u16.subarray(0, n), i);
        }
      },
      colours(src, out) {
        for (let i = 0; i < src.length; i += CHUNK) {
          const n = Math.min(CHUNK, src.length - i);
          f32.set(src.subarray(i, i + n));
          c(0, OUT_AT, Math.ceil(n / 16));
          out.set(n === CHUNK ? u8 : u8.subarray(0, n), i);
        }
      },
    };
  } catch {
    return null; // no SIMD support, or a CSP without 'wasm-unsafe-eval'
  }
}
