/**
 * The search for the first byte that is not printable ASCII (0x20..0x7e), which flood elision
 * runs over long lines, in WebAssembly SIMD: 64 bytes per step instead of JS's 4. The module is
 * assembled below from its opcodes (no .wasm file, no build step) and instantiated synchronously;
 * where WebAssembly or its SIMD is missing (old engines, `--jitless`) the JS search is used.
 */

/** The JS search: the index of the first byte in b[from, end) that is not printable ASCII, or `end`. */
export function nextNonPrintable(b: Uint8Array, from: number, end: number): number {
  let i = from;
  for (; i < end && (b.byteOffset + i) & 3; i++) {
    const c = b[i] as number;
    if (c < 0x20 || c >= 0x7f) return i;
  }
  if (i >= end) return end;
  const words = new Uint32Array(b.buffer, b.byteOffset + i, (end - i) >> 2);
  let w = 0;
  for (; w < words.length; w++) {
    const x = words[w] as number;
    // Some byte below 0x20 (it borrows into its top bit) or above 0x7e (it carries into, or has,
    // its top bit): which one is found byte by byte below.
    if ((((x - 0x20202020) & ~x) | (x + 0x01010101) | x) & 0x80808080) break;
  }
  i += w * 4;
  for (; i < end; i++) {
    const c = b[i] as number;
    if (c < 0x20 || c >= 0x7f) return i;
  }
  return end;
}

/** Unsigned LEB128 (sizes, counts, indices, SIMD opcodes). */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (`i32.const` immediates). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

// Core opcodes.
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40; // block type: no result
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_LOAD8_U = 0x2d;
const I32_CONST = 0x41;
const I32_GT_U = 0x4b;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32 = 0x7f;
// SIMD opcodes: the 0xfd prefix, then the opcode as LEB128.
const simd = (op: number) => [0xfd, ...uleb(op)];
const V128_LOAD = simd(0x00);
const V128_CONST = simd(0x0c);
const I8X16_GT_U = simd(0x28);
const V128_ANY_TRUE = simd(0x53);
const I8X16_SUB = simd(0x71);
const I8X16_MAX_U = simd(0x79);

// The function's locals: its two parameters.
const FROM = 0;
const END_AT = 1;

/** A memory argument: no alignment promised (any `from` is allowed), and a constant offset. */
const memarg = (offset: number) => [0, ...uleb(offset)];
/** A v128 with every byte `b`. */
const splat = (b: number) => [...V128_CONST, ...new Array<number>(16).fill(b)];
/** from += n */
const advance = (n: number) => [LOCAL_GET, FROM, I32_CONST, ...sleb(n), I32_ADD, LOCAL_SET, FROM];
/** Leaves the enclosing block (depth 1 from inside its loop) when from + n > end. */
const exitUnlessRoom = (n: number) => [
  ...[LOCAL_GET, FROM, I32_CONST, ...sleb(n), I32_ADD], // from + n
  ...[LOCAL_GET, END_AT, I32_GT_U, BR_IF, 1], // > end: leave
];
/**
 * The 16 bytes at from + offset, each minus 0x20 (wrapping): printable ASCII becomes 0..0x5e and
 * every other byte more than 0x5e, so one unsigned compare tells them apart.
 */
const shifted = (offset: number) => [LOCAL_GET, FROM, ...V128_LOAD, ...memarg(offset), ...splat(0x20), ...I8X16_SUB];
/** Leaves the enclosing block when a lane of the v128 on the stack is above 0x5e (not printable). */
const exitIfAnyAbove5e = [...splat(0x5e), ...I8X16_GT_U, ...V128_ANY_TRUE, BR_IF, 1];

/** scan(from, end) -> i32: the first index in memory[from, end) that is not printable ASCII, or end. */
// biome-ignore format: one instruction group per line
const scanBody = [
  0, // no locals beyond the parameters
  // 64 bytes a step: the lane-wise maximum of four shifted vectors, one compare. A step that finds
  // something leaves `from` at its start for the narrower loops below.
  BLOCK, VOID,
  LOOP, VOID,
  ...exitUnlessRoom(64),
  ...shifted(0),
  ...shifted(16), ...I8X16_MAX_U,
  ...shifted(32), ...I8X16_MAX_U,
  ...shifted(48), ...I8X16_MAX_U,
  ...exitIfAnyAbove5e,
  ...advance(64),
  BR, 0,
  END,
  END,
  // 16 bytes a step: the rest of the range, or the 64 in which the loop above found something.
  BLOCK, VOID,
  LOOP, VOID,
  ...exitUnlessRoom(16),
  ...shifted(0),
  ...exitIfAnyAbove5e,
  ...advance(16),
  BR, 0,
  END,
  END,
  // Byte by byte: at most 15 bytes left, or the 16 holding the first byte that is not printable.
  BLOCK, VOID,
  LOOP, VOID,
  LOCAL_GET, FROM, LOCAL_GET, END_AT, I32_GE_U, BR_IF, 1, // from >= end: leave
  LOCAL_GET, FROM, I32_LOAD8_U, ...memarg(0), // the byte at from,
  I32_CONST, ...sleb(0x20), I32_SUB, I32_CONST, ...sleb(0x5e), I32_GT_U, BR_IF, 1, // minus 0x20 (wrapping) > 0x5e: leave
  ...advance(1),
  BR, 0,
  END,
  END,
  LOCAL_GET, FROM,
  END,
];

/** Pages (64 KiB) the memory starts with: one pooled batch (512 KiB) and a page of slack. */
const INITIAL_PAGES = 9;
/** The longest range copied into wasm memory (it grows up to this); longer ones are searched in JS. */
export const MAX_WASM_BYTES = 4 * 1024 * 1024;
/** Ranges shorter than this are searched in JS: the copy and the call would not pay. */
export const MIN_WASM_BYTES = 4096;

function moduleBytes() {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d], // "\0asm"
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    // Type section: one function type, (i32, i32) -> i32.
    ...section(1, [1, 0x60, 2, I32, I32, 1, I32]),
    // Function section: one function, of type 0.
    ...section(3, [1, 0]),
    // Memory section: one memory, INITIAL_PAGES pages, no maximum (it grows for long chunks).
    ...section(5, [1, 0x00, ...uleb(INITIAL_PAGES)]),
    // Export section: "scan" (function 0) and "memory" (memory 0).
    ...section(7, [2, ...name("scan"), 0x00, 0, ...name("memory"), 0x02, 0]),
    // Code section: the one function's body.
    ...section(10, [1, ...uleb(scanBody.length), ...scanBody]),
  ]);
}

interface Wasm {
  scan: (from: number, end: number) => number;
  memory: WebAssembly.Memory;
}

let compiled: WebAssembly.Module | null | undefined;

/** The module, compiled once per thread; null where WebAssembly or its SIMD is unavailable. */
function instantiate(): Wasm | undefined {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(moduleBytes());
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return undefined;
  try {
    return new WebAssembly.Instance(compiled).exports as unknown as Wasm;
  } catch {
    return undefined;
  }
}

/** How a `PrintableScanner` searches (both for tests; the defaults suit flood elision). */
export interface PrintableScannerOptions {
  /** Never use WebAssembly, as where it is unavailable. */
  forceJs?: boolean;
  /** Ranges shorter than this are searched in JS (default `MIN_WASM_BYTES`). */
  minWasmBytes?: number;
}

/**
 * Searches a range of one chunk for its first byte that is not printable ASCII: `load` copies the
 * range into wasm memory once (a memcpy), then `next` searches from any offset inside it.
 */
export class PrintableScanner {
  readonly #wasm: Wasm | undefined;
  readonly #minWasmBytes: number;
  #memory = new Uint8Array(0);
  #chunk: Uint8Array = new Uint8Array(0);
  /** The chunk index held at wasm memory's 0; -1 when the loaded range is searched in JS. */
  #base = -1;

  constructor(options: PrintableScannerOptions = {}) {
    this.#wasm = options.forceJs ? undefined : instantiate();
    this.#minWasmBytes = options.minWasmBytes ?? MIN_WASM_BYTES;
    if (this.#wasm) this.#memory = new Uint8Array(this.#wasm.memory.buffer);
  }

  /** Whether long ranges are searched in WebAssembly (false where it is unavailable or `forceJs`). */
  get usesWasm(): boolean {
    return this.#wasm !== undefined;
  }

  /** Whether the loaded range is searched in WebAssembly. */
  get loadedInWasm(): boolean {
    return this.#base >= 0;
  }

  /** Makes chunk[from, end) the range `next` searches. */
  load(chunk: Uint8Array, from: number, end: number): void {
    this.#chunk = chunk;
    this.#base = -1;
    const n = end - from;
    if (!this.#wasm || n < this.#minWasmBytes || n > MAX_WASM_BYTES) return;
    if (n > this.#memory.length) {
      const memory = this.#wasm.memory;
      memory.grow(Math.ceil((n - this.#memory.length) / 65536));
      this.#memory = new Uint8Array(memory.buffer);
    }
    this.#memory.set(chunk.subarray(from, end));
    this.#base = from;
  }

  /**
   * The index in the chunk of the first byte in [from, end) that is not printable ASCII, or `end`;
   * [from, end) lies inside the loaded range.
   */
  next(from: number, end: number): number {
    const base = this.#base;
    if (base < 0) return nextNonPrintable(this.#chunk, from, end);
    return (this.#wasm as Wasm).scan(from - base, end - base) + base;
  }
}
