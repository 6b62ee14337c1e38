import { VuerDecodeError } from "../errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

// Scratch for float reads: no DataView per frame. Bytes are copied in host order (little-endian nearly everywhere).
const f64 = new Float64Array(1);
const f32 = new Float32Array(f64.buffer, 0, 1);
const scratch = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Map keys repeat in every frame ("ts", "etype", "key", "tag", "position"...): short ASCII keys are looked up
 * by their bytes in a small hash table, so the same (internalized) string comes back instead of a new one that
 * V8 would have to hash and internalize on every property store.
 */
const KEY_CACHE_BITS = 12;
const KEY_MAX = 16;
const keyCacheBytes: Array<Uint8Array | undefined> = new Array(1 << KEY_CACHE_BITS);
const keyCacheStrings: Array<string | undefined> = new Array(1 << KEY_CACHE_BITS);

export interface DecodeOptions {
  /** Copy bin payloads out of the frame (default false: views into the frame, which is cheaper). */
  copyBinary?: boolean;
  /** Largest nesting depth accepted. Default 512. */
  maxDepth?: number;
}

/**
 * A strict MessagePack decoder for one value per frame: maps become plain objects (keys must be strings or
 * numbers), bin becomes Uint8Array, float32 and float64 both become numbers, 64-bit integers become numbers
 * (bigint past 2^53). Trailing bytes, truncated data and extension types throw `VuerDecodeError`.
 */
export function decodeMsgpack(data: Uint8Array, options: DecodeOptions = {}): unknown {
  const r = new Reader(data, options.copyBinary ?? false, options.maxDepth ?? 512);
  const value = r.read(0);
  if (r.pos !== data.byteLength) {
    throw new VuerDecodeError(`${data.byteLength - r.pos} unexpected trailing byte(s) after the msgpack value`);
  }
  return value;
}

function truncated(): never {
  throw new VuerDecodeError("truncated msgpack data");
}

class Reader {
  pos = 0;
  readonly #b: Uint8Array;
  readonly #len: number;
  #view: DataView | undefined;
  readonly #copy: boolean;
  readonly #maxDepth: number;

  constructor(b: Uint8Array, copy: boolean, maxDepth: number) {
    this.#b = b;
    this.#len = b.byteLength;
    this.#copy = copy;
    this.#maxDepth = maxDepth;
  }

  /** Created on first use: most frames need none (ints are read by hand), so small decodes skip the allocation. */
  get #v(): DataView {
    this.#view ??= new DataView(this.#b.buffer, this.#b.byteOffset, this.#b.byteLength);
    return this.#view;
  }

  #need(n: number): void {
    if (this.pos + n > this.#len) truncated();
  }

  read(depth: number): unknown {
    this.#need(1);
    const t = this.#b[this.pos++] as number;
    if (t < 0x80) return t;
    if (t < 0x90) return this.#map(t & 0x0f, depth);
    if (t < 0xa0) return this.#array(t & 0x0f, depth);
    if (t < 0xc0) return this.#str(t & 0x1f);
    if (t >= 0xe0) return t - 0x100;
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.#bin(this.#u8());
      case 0xc5:
        return this.#bin(this.#u16());
      case 0xc6:
        return this.#bin(this.#u32());
      case 0xca:
        this.#scratch(4);
        return f32[0];
      case 0xcb:
        this.#scratch(8);
        return f64[0];
      case 0xcc:
        return this.#u8();
      case 0xcd:
        return this.#u16();
      case 0xce:
        return this.#u32();
      case 0xcf: {
        this.#need(8);
        const at = this.pos;
        const hi = this.#u32();
        const lo = this.#u32();
        return hi < 0x200000 ? hi * 0x100000000 + lo : this.#v.getBigUint64(at);
      }
      case 0xd0: {
        this.#need(1);
        return this.#v.getInt8(this.pos++);
      }
      case 0xd1: {
        this.#need(2);
        const n = this.#v.getInt16(this.pos);
        this.pos += 2;
        return n;
      }
      case 0xd2: {
        this.#need(4);
        const n = this.#v.getInt32(this.pos);
        this.pos += 4;
        return n;
      }
      case 0xd3: {
        this.#need(8);
        const big = this.#v.getBigInt64(this.pos);
        this.pos += 8;
        return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
      case 0xd9:
        return this.#str(this.#u8());
      case 0xda:
        return this.#str(this.#u16());
      case 0xdb:
        return this.#str(this.#u32());
      case 0xdc:
        return this.#array(this.#u16(), depth);
      case 0xdd:
        return this.#array(this.#u32(), depth);
      case 0xde:
        return this.#map(this.#u16(), depth);
      case 0xdf:
        return this.#map(this.#u32(), depth);
      default:
        // 0xc1 is never used; 0xc7-0xc9 and 0xd4-0xd8 are extension types, which Vuer never sends.
        throw new VuerDecodeError(`unsupported msgpack type byte 0x${t.toString(16)}`);
    }
  }

  /** Copies the next n (4 or 8) big-endian bytes into the float scratch, in host byte order. */
  #scratch(n: number): void {
    this.#need(n);
    const b = this.#b;
    const p = this.pos;
    this.pos += n;
    if (littleEndian) for (let i = 0; i < n; i++) scratch[i] = b[p + n - 1 - i] as number;
    else for (let i = 0; i < n; i++) scratch[i] = b[p + i] as number;
  }

  /** A map key: short ASCII keys come from the key cache, anything else is read as a value. */
  #key(depth: number): unknown {
    this.#need(1);
    const t = this.#b[this.pos] as number;
    const n = t - 0xa0;
    if (n < 1 || n > KEY_MAX) return this.read(depth);
    this.pos++;
    this.#need(n);
    const b = this.#b;
    const start = this.pos;
    let h = n;
    for (let i = start; i < start + n; i++) h = (Math.imul(h, 31) + (b[i] as number)) | 0;
    const slot = (h ^ (h >>> KEY_CACHE_BITS)) & ((1 << KEY_CACHE_BITS) - 1);
    const cached = keyCacheBytes[slot];
    if (cached !== undefined && cached.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (cached[i] !== b[start + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.pos += n;
        return keyCacheStrings[slot];
      }
    }
    const s = this.#str(n);
    let ascii = true;
    for (let i = start; i < start + n; i++) if ((b[i] as number) >= 0x80) ascii = false;
    if (ascii) {
      keyCacheBytes[slot] = b.slice(start, start + n);
      keyCacheStrings[slot] = s;
    }
    return s;
  }

  #u8(): number {
    this.#need(1);
    return this.#b[this.pos++] as number;
  }

  #u16(): number {
    this.#need(2);
    const b = this.#b;
    const p = this.pos;
    this.pos += 2;
    return ((b[p] as number) << 8) | (b[p + 1] as number);
  }

  #u32(): number {
    this.#need(4);
    const b = this.#b;
    const p = this.pos;
    this.pos += 4;
    return (
      (b[p] as number) * 0x1000000 + (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number))
    );
  }

  #str(n: number): string {
    this.#need(n);
    const b = this.#b;
    const start = this.pos;
    this.pos += n;
    if (n < 24) {
      // Short ASCII strings (keys, tags) decode faster by hand than through TextDecoder.
      let s = "";
      for (let i = start; i < start + n; i++) {
        const c = b[i] as number;
        if (c >= 0x80) return this.#utf8(start, n);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.#utf8(start, n);
  }

  #utf8(start: number, n: number): string {
    try {
      return utf8.decode(this.#b.subarray(start, start + n));
    } catch (cause) {
      throw new VuerDecodeError("msgpack string is not valid UTF-8", { cause });
    }
  }

  #bin(n: number): Uint8Array {
    this.#need(n);
    // A plain Uint8Array view even when the frame is a Node Buffer (Buffer#subarray would return a Buffer).
    const view = new Uint8Array(this.#b.buffer, this.#b.byteOffset + this.pos, n);
    this.pos += n;
    return this.#copy ? view.slice() : view;
  }

  #array(n: number, depth: number): unknown[] {
    if (depth >= this.#maxDepth) throw new VuerDecodeError("msgpack value is nested too deeply");
    // Each element takes at least one byte: a length larger than what is left is a lie, not an allocation request.
    if (n > this.#len - this.pos) truncated();
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.read(depth + 1);
    return out;
  }

  #map(n: number, depth: number): Record<string, unknown> {
    if (depth >= this.#maxDepth) throw new VuerDecodeError("msgpack value is nested too deeply");
    if (n * 2 > this.#len - this.pos) truncated();
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = this.#key(depth + 1);
      if (typeof k !== "string" && typeof k !== "number") {
        throw new VuerDecodeError(`msgpack map key must be a string or number, got ${k === null ? "nil" : typeof k}`);
      }
      const value = this.read(depth + 1);
      // A "__proto__" key must stay data, never become the object's prototype.
      if (k === "__proto__")
        Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
      else out[k] = value;
    }
    return out;
  }
}
