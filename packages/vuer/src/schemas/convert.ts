/**
 * The bulk conversions behind the float16 and colour helpers, into outputs the caller provides (so that a point
 * cloud can convert straight into the buffer its frame is written in): WebAssembly SIMD where the runtime has it,
 * plain JS with the same results elsewhere. Internal: not part of the package's exports.
 */
import { offerFrameRoom } from "../protocol/msgpack/encode.js";
import { simdKernels } from "./simd.js";

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Alloc = (size: number) => Uint8Array;
// Node's Buffer.allocUnsafe skips zero-filling memory that is overwritten at once; read through globalThis so
// that browsers (no Buffer) and bundlers (no polyfill) are unaffected.
const allocUnsafe: Alloc | undefined = (globalThis as { Buffer?: { allocUnsafe: Alloc } }).Buffer?.allocUnsafe.bind(
  (globalThis as { Buffer?: unknown }).Buffer,
);

/**
 * `bytes` bytes that the caller overwrites entirely (not zero-filled in Node), as a plain Uint8Array. From 4 KiB
 * up, the only view of an ArrayBuffer of its own (never a slice of Node's shared pool).
 */
export function scratch(bytes: number): Uint8Array<ArrayBuffer> {
  if (!allocUnsafe || bytes < 4096) return new Uint8Array(bytes);
  const b = allocUnsafe(bytes);
  return new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, bytes);
}

/** IEEE 754 half-precision bits of a float32's bits, rounding to nearest, ties to even. */
export function float32BitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  // Inf; NaN keeps the top of its payload and stays a NaN (numpy's npy_floatbits_to_halfbits).
  if (exp === 0xff) return sign | (mant ? Math.max(0x7c00 + (mant >>> 13), 0x7c01) : 0x7c00);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 31) return sign | 0x7c00; // overflow -> Inf
  if (e <= 0) {
    // Subnormal half: units of 2^-24.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && h & 1) ? h + 1 : h);
  }
  const h = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Inf).
  return rem > 0x1000 || (rem === 0x1000 && h & 1) ? h + 1 : h;
}

/** numpy's `astype(np.float16)` of each float32 into `out` (same length), as native-endian uint16 bits. */
export function float16Into(values: Float32Array, out: Uint16Array): void {
  const n = values.length;
  const simd = n >= 64 ? simdKernels() : undefined;
  if (simd) {
    simd.half(values, out);
    return;
  }
  // Exact float32 bits: the bit-level conversion is both correct and several times faster.
  // Int32 (not Uint32) view: negative floats stay small integers instead of becoming heap doubles.
  const bits = new Int32Array(values.buffer, values.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const x = bits[i] as number;
    const a = x & 0x7fffffff;
    if (a >= 0x38800000 && a < 0x47800000) {
      // Normal half (2^-14 <= |v| < 2^16): rebias, round to nearest even with integer adds (F. Giesen's
      // float_to_half_fast3_rtne); a carry past 65504 lands on Inf as it should.
      out[i] = ((a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13) | ((x >>> 16) & 0x8000);
    } else out[i] = float32BitsToHalf(x);
  }
}

/**
 * Colour bytes of 0-1 float32 values into `out` (same length), as upstream's `colors *= 255` computes them: the
 * product in float32 (which for 0-1 inputs truncates to the same bytes as the exact product), truncated toward
 * zero, clamped to 0-255, NaN as 0.
 */
export function coloursInto(values: Float32Array, out: Uint8Array): void {
  const simd = values.length >= 64 ? simdKernels() : undefined;
  if (simd) {
    simd.colours(values, out);
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround((values[i] as number) * 255);
    out[i] = v <= 0 || Number.isNaN(v) ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
}

/** Room left before and after a point cloud's payloads for the rest of its frame (event, keys, other props). */
const FRAME_HEAD = 2048;
const FRAME_TAIL = 2048;
/** Clouds from this many vertex bytes up get the in-place layout; smaller ones are cheap to copy. */
const IN_PLACE_FROM = 64 * 1024;

/** How a point cloud's payloads are laid out in a buffer shaped as its frame (see `pointCloudPayloads`). */
export interface PointCloudLayout {
  vertexBytes: number;
  colourBytes: number;
  /** Bytes between the vertices and the colours: the `"colors"` key and the colours' bin header. */
  between: number;
  /** The buffer size the layout needs, with room for the frame's head and tail. */
  bytes: number;
}

/**
 * The in-place layout of a cloud with these inputs, or undefined for small clouds and on big-endian hosts (the
 * caller converts as usual).
 */
export function pointCloudLayout(
  vertices: Float32Array,
  colors: Float32Array | Uint8Array | undefined,
): PointCloudLayout | undefined {
  const vertexBytes = vertices.length * 2;
  if (!LITTLE_ENDIAN || vertexBytes < IN_PLACE_FROM) return undefined;
  // Colour bytes given as such are copied in (the copy the encoder would otherwise make).
  const colourBytes =
    colors === undefined ? 0 : colors instanceof Uint8Array ? colors.length : Math.floor(colors.length / 3) * 3;
  // fixstr "colors" (7 bytes), then a bin 8/16/32 header.
  const between = colors === undefined ? 0 : 7 + (colourBytes < 0x100 ? 2 : colourBytes < 0x10000 ? 3 : 5);
  return { vertexBytes, colourBytes, between, bytes: FRAME_HEAD + vertexBytes + between + colourBytes + FRAME_TAIL };
}

/**
 * A point cloud's float16 vertices and colour bytes converted (or copied) straight into one buffer laid out as its
 * frame will be: room for the frame's head, the vertices, exactly the `"colors"` key and bin header between, the
 * colours, room for the tail. The encoder then writes the frame around them in place (`offerFrameRoom`) instead
 * of allocating a frame-sized buffer and copying the payloads into it. The buffer is a fresh one, or `into` (at
 * least `layout.bytes` long). Undefined when `pointCloudLayout` is.
 */
export function pointCloudPayloads(
  vertices: Float32Array,
  colors: Float32Array | Uint8Array | undefined,
  into?: ArrayBuffer,
): { vertices: Uint8Array; colors: Uint8Array | undefined } | undefined {
  const layout = pointCloudLayout(vertices, colors);
  if (layout === undefined) return undefined;
  const { vertexBytes, between, colourBytes } = layout;
  const buffer = into !== undefined && into.byteLength >= layout.bytes ? into : scratch(layout.bytes).buffer;
  const v = new Uint8Array(buffer, FRAME_HEAD, vertexBytes);
  float16Into(vertices, new Uint16Array(buffer, FRAME_HEAD, vertices.length));
  let c: Uint8Array<ArrayBuffer> | undefined;
  if (colors !== undefined) {
    c = new Uint8Array(buffer, FRAME_HEAD + vertexBytes + between, colourBytes);
    if (colors instanceof Uint8Array) c.set(colors);
    else coloursInto(colors.subarray(0, colourBytes), c);
  }
  offerFrameRoom(buffer, c ? [v, c] : [v]);
  return { vertices: v, colors: c };
}
