/**
 * Typed-array helpers for the binary props upstream sends as msgpack bin: float16 vertices and uv,
 * uint32 faces, uint8 RGB colours. All little-endian, flattened (N x 3 becomes 3N values).
 */

/** Numbers in any of the shapes a caller is likely to hold: flat, nested (N x k), or typed. */
export type NumericInput = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

import { coloursInto, float16Into, float32BitsToHalf, LITTLE_ENDIAN, scratch } from "./convert.js";

/** Flattens N x k nested arrays (and passes flat ones through); returns the values and the row width. */
export function flatten(input: NumericInput): { values: ArrayLike<number>; width: number | undefined } {
  if (input.length > 0 && typeof input[0] === "object" && input[0] !== null) {
    const rows = input as ReadonlyArray<ArrayLike<number>>;
    const width = rows[0]?.length ?? 0;
    const out = new Float64Array(rows.length * width);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as ArrayLike<number>;
      if (r.length !== width) throw new RangeError(`row ${i} has ${r.length} values, expected ${width}`);
      for (let j = 0; j < width; j++) out[i * width + j] = r[j] as number;
    }
    return { values: out, width };
  }
  return { values: input as ArrayLike<number>, width: undefined };
}

// ---- float16 ----

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * IEEE 754 half-precision bits of a double, rounded once (to nearest, ties to even), as numpy's
 * `astype(np.float16)` does. Going through float32 first would round twice and be wrong for some inputs.
 */
export function toFloat16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00; // past the midpoint between 65504 (max half) and 2^16
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // subnormal (1024 becomes the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const m = roundHalfEven(a * 2 ** (10 - e)); // 1024..2048, exact scaling by a power of two
  return sign | (((e + 15) << 10) + (m - 1024)); // m = 2048 carries into the exponent
}

/** The number a half-precision bit pattern stands for. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Float16 little-endian bytes of the values (N x 3 arrays are flattened). */
export function toFloat16Bytes(input: NumericInput): Uint8Array {
  const { values } = flatten(input);
  const n = values.length;
  if (values instanceof Float32Array) {
    const bytes = scratch(n * 2);
    if (bytes.byteOffset % 2 === 0) {
      const out = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      float16Into(values, out);
      return LITTLE_ENDIAN ? bytes : leBytes(out);
    }
    const out = new Uint16Array(n);
    float16Into(values, out);
    return leBytes(out);
  }
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = toFloat16Bits(values[i] as number);
  return leBytes(out);
}

/** Float16 little-endian bytes back to numbers (for viewers and tests). */
export function fromFloat16Bytes(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 2 !== 0) throw new RangeError("float16 data must have an even number of bytes");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = fromFloat16Bits(view.getUint16(i * 2, true));
  return out;
}

/** The float32 rounding the float16 path uses for Float32Array input, exposed for tests. */
export function float32ToFloat16Bits(v: number): number {
  f32[0] = v;
  return float32BitsToHalf(i32[0] as number);
}

// ---- integers and colours ----

/** Uint32 little-endian bytes (triangle indices: uint16 overflows at 65,536 vertices). */
export function toUint32Bytes(input: NumericInput): Uint8Array {
  const { values } = flatten(input);
  return leBytes(values instanceof Uint32Array ? values : Uint32Array.from(values as ArrayLike<number>));
}

/**
 * RGB colour bytes as upstream makes them: a Uint8Array is taken as 0-255 RGB already; any other numbers
 * are 0-1 floats scaled by 255 (truncated, like numpy's astype, and clamped); N x 4 rows lose their alpha.
 */
export function toColorBytes(input: NumericInput | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof Uint8ClampedArray) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const { values, width } = flatten(input);
  if (width === undefined && values instanceof Float32Array && values.length >= 64) {
    const rows = Math.floor(values.length / 3);
    const out = scratch(rows * 3);
    coloursInto(values.subarray(0, rows * 3), out);
    return out;
  }
  const channels = width ?? 3;
  const keep = Math.min(channels, 3);
  const rows = Math.floor(values.length / channels);
  const out = new Uint8Array(rows * keep);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < keep; c++) {
      const v = (values[r * channels + c] as number) * 255;
      out[r * keep + c] = v <= 0 || Number.isNaN(v) ? 0 : v >= 255 ? 255 : Math.trunc(v);
    }
  }
  return out;
}

/** The array's bytes in little-endian order: a view on little-endian hosts, a swapped copy elsewhere. */
function leBytes(a: Uint16Array | Uint32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const bytes = new Uint8Array(a.byteLength);
  const view = new DataView(bytes.buffer);
  if (a instanceof Uint16Array) for (let i = 0; i < a.length; i++) view.setUint16(i * 2, a[i] as number, true);
  else for (let i = 0; i < a.length; i++) view.setUint32(i * 4, a[i] as number, true);
  return bytes;
}

/** Vertex-like input to float16 bytes; bytes given as Uint8Array are taken as already encoded. */
export function asFloat16(input: NumericInput | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof Uint16Array) return leBytes(input);
  return toFloat16Bytes(input);
}

/** Index-like input to uint32 bytes; a Uint8Array is taken as already encoded. */
export function asUint32(input: NumericInput | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) return input;
  return toUint32Bytes(input);
}
