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
const I32X4_MIN_U = simd(0xb7);
const I32X4_MAX_U = simd(0xb9);
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);
const I32X4_TRUNC_SAT_F32X4_S = simd(0xf8);
const I16X8_NARROW_I32X4_S = simd(0x85);
const I16X8_NARROW_I32X4_U = simd(0x86);
const I8X16_NARROW_I16X8_U = simd(0x66);

// Function parameters: 0 = source address, 1 = destination address, 2 = steps; then the v128 locals.
const SRC = 0;
const DST = 1;
const STEPS = 2;
const X = 3;
const A = 4;
const R = 5;
const S = 6;
const T = 7;

/**
 * Four float32 bit patterns (loaded from `SRC + offset`) to four float16 bit patterns in i32 lanes, as numpy's
 * `npy_floatbits_to_halfbits`: round to nearest, ties to even; overflow to infinity; NaN keeps the top of its
 * payload (at least 1); float16 subnormals rounded the same way.
 */
const half4 = (offset: number): number[] => [
  ...get(SRC),
  ...load(offset),
  ...set(X),
  ...get(X),
  ...splat(0x7fffffff),
  ...AND,
  ...set(A), // |x| bits
  ...get(A),
  ...i32c(13),
  ...I32X4_SHR_U,
  ...set(S), // |x| >> 13
  // Normal range: rebias and round with integer adds: (a - 0x38000000 + 0xfff + ((a >> 13) & 1)) >> 13; a carry
  // out of the mantissa steps the exponent up. Past 65504 the result exceeds 0x7c00: the minimum makes every
  // overflow and infinity exactly 0x7c00.
  ...get(A),
  ...splat(0xfff - 0x38000000),
  ...I32X4_ADD,
  ...get(S),
  ...splat(1),
  ...AND,
  ...I32X4_ADD,
  ...i32c(13),
  ...I32X4_SHR_U,
  ...splat(0x7c00),
  ...I32X4_MIN_U,
  // NaN (|x| > 0x7f800000): 0x7c00 + (mantissa >> 13) = (|x| >> 13) - 0x38000, at least 0x7c01 (stays a NaN).
  ...get(S),
  ...splat(0x38000),
  ...I32X4_SUB,
  ...splat(0x7c01),
  ...I32X4_MAX_U,
  ...swapUnder(0x7f800000, I32X4_GT_S),
  // |x| < 2^-14 (float16 subnormals and zero): adding 0.5f rounds |x| to a multiple of 2^-24 (ties to even)
  // in the low mantissa bits of the sum, which are the float16 bits.
  ...get(A),
  ...splat(0x3f000000),
  ...F32X4_ADD,
  ...splat(0x3f000000),
  ...I32X4_SUB,
  ...swapUnder(0x38800000, I32X4_LT_S),
  // The sign.
  ...get(X),
  ...i32c(16),
  ...I32X4_SHR_U,
  ...splat(0x8000),
  ...AND,
  ...OR,
];

/**
 * With [r, v] on the stack, leaves `v` in the lanes where `|x| <cmp> limit`, else `r` (through the local R,
 * since bitselect takes its mask last).
 */
function swapUnder(limit: number, cmp: number[]): number[] {
  return [...set(R), ...set(T), ...get(R), ...get(T), ...get(A), ...splat(limit), ...cmp, ...BITSELECT];
}

/** Four float32 colours from `SRC + offset` times 255, truncated toward zero, NaN as 0, in i32 lanes. */
const colour4 = (offset: number): number[] => [
  ...get(SRC),
  ...load(offset),
  ...splat(0x437f0000), // 255.0f
  ...F32X4_MUL,
  ...I32X4_TRUNC_SAT_F32X4_S,
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

const func = (body: number[]): number[] => {
  const code = [...vec([[5, V128]]), ...body, 0x0b];
  return [...uleb(code.length), ...code];
};

/** 8 float32 (32 bytes) -> 8 float16 (16 bytes) per step. */
const halfFn = func(loop([...get(DST), ...half4(0), ...half4(16), ...I16X8_NARROW_I32X4_U, ...store], 32, 16));
/** 16 float32 (64 bytes) -> 16 uint8 per step: saturating narrows clamp to 0..255. */
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
