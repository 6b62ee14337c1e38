import { VuerEncodeError } from "../errors.js";

/** Bin payloads from this size up skip the scratch buffer (one copy instead of two). */
const EXTERNAL_BIN = 4096;
/** A scratch buffer grown past this is given back after the frame. */
const SHRINK_ABOVE = 8 * 1024 * 1024;

type Alloc = (size: number) => Uint8Array<ArrayBuffer>;
// Read through globalThis: browsers have no Buffer, and bundlers must not pull in a polyfill.
const allocUnsafe: Alloc | undefined = (globalThis as { Buffer?: { allocUnsafe: Alloc } }).Buffer?.allocUnsafe.bind(
  (globalThis as { Buffer?: unknown }).Buffer,
);

/**
 * Buffers whose owner left room around some bin payloads (the values: those views, in buffer order) so that one
 * frame can be written around them in place: the payloads are not copied and no frame-sized buffer is allocated.
 */
const framable = new WeakMap<ArrayBuffer, readonly Uint8Array[]>();

/**
 * Offers `buffer` for one frame written in place around `payloads` (views of it, in order, with room between
 * and around them). The first frame whose large bins are exactly these payloads, in this order, with exactly the
 * bytes between them that the frame puts there, is written into `buffer` and returned as a view of it; the offer
 * is then used up (a later frame is a fresh copy). Bytes outside the payloads must belong to no one else.
 */
export function offerFrameRoom(buffer: ArrayBuffer, payloads: readonly Uint8Array[]): void {
  framable.set(buffer, payloads);
}

/**
 * The state of a buffer a `PointCloudStream` may fill again: it may once every socket the frame written in it
 * was handed to has written it (`sent` writes, none `pending`), unless the frame went anywhere it cannot be followed
 * (`escaped`: `encodeFrame` handed it to a caller; `abandoned`: it waited in a queue, or a write failed).
 */
export interface FrameLease {
  sent: number;
  pending: number;
  escaped: boolean;
  abandoned: boolean;
}

const leases = new WeakMap<ArrayBuffer, FrameLease>();

/** Registers `buffer` as recyclable (see `FrameLease`), with a fresh state; returns that state. */
export function leaseFrameBuffer(buffer: ArrayBuffer): FrameLease {
  const lease: FrameLease = { sent: 0, pending: 0, escaped: false, abandoned: false };
  leases.set(buffer, lease);
  return lease;
}

/** The lease of the buffer a frame was written in, when it is a recyclable one. */
export function frameLease(frame: Uint8Array): FrameLease | undefined {
  return leases.get(frame.buffer as ArrayBuffer);
}

/**
 * A MessagePack encoder that writes what upstream's `packb(use_single_float=True, use_bin_type=True)` writes:
 * integers in their smallest int form, every other number as float32 (0xca), strings as str, bytes as bin,
 * no extension types. Byte-for-byte compatible with the golden frames; one reusable buffer per encoder.
 */
export class MsgpackEncoder {
  #buf: Uint8Array<ArrayBuffer>;
  #view: DataView;
  #pos = 0;
  #depth = 0;
  readonly #external: Array<{ pos: number; bytes: Uint8Array }> = [];
  #externalBytes = 0;
  readonly #textEncoder = new TextEncoder();
  readonly #initialSize: number;

  constructor(initialSize = 64 * 1024) {
    this.#initialSize = initialSize;
    this.#buf = new Uint8Array(initialSize);
    this.#view = new DataView(this.#buf.buffer);
  }

  /**
   * Encodes one value into a Uint8Array of its own (the internal buffer is reused across calls). `owned`: the
   * caller is the server's send path, which follows the frame to the socket (see `FrameLease`); a frame written in
   * place in a recyclable buffer for anyone else makes that buffer never recycled.
   */
  encode(value: unknown, owned = false): Uint8Array<ArrayBuffer> {
    this.#pos = 0;
    this.#depth = 0;
    this.#external.length = 0;
    this.#externalBytes = 0;
    try {
      this.#write(value);
    } catch (err) {
      this.#external.length = 0;
      throw err;
    }
    const total = this.#pos + this.#externalBytes;
    const out = this.#inPlace(total, owned) ?? this.#copyOut(total);
    this.#external.length = 0; // do not keep callers' payloads alive
    // One huge frame (e.g. a long plain number array) must not pin its scratch buffer for the process's life.
    if (this.#buf.length > SHRINK_ABOVE) {
      this.#buf = new Uint8Array(this.#initialSize);
      this.#view = new DataView(this.#buf.buffer);
    }
    return out;
  }

  /** The frame in a buffer of its own: the scratch bytes with each large bin copied once, straight into place. */
  #copyOut(total: number): Uint8Array<ArrayBuffer> {
    let out: Uint8Array<ArrayBuffer>;
    if (allocUnsafe) {
      // Memory that is not zero-filled first (Node's Buffer pool), exposed as a plain Uint8Array.
      const b = allocUnsafe(total);
      out = new Uint8Array(b.buffer, b.byteOffset, total);
    } else out = new Uint8Array(total);
    // Large bin payloads were not copied into the scratch buffer: each is copied once, straight into place.
    let from = 0;
    let at = 0;
    for (const { pos, bytes } of this.#external) {
      out.set(this.#buf.subarray(from, pos), at);
      at += pos - from;
      out.set(bytes, at);
      at += bytes.byteLength;
      from = pos;
    }
    out.set(this.#buf.subarray(from, this.#pos), at);
    return out;
  }

  /** The frame written around its bins inside their buffer, when that buffer was offered for it (see above). */
  #inPlace(total: number, owned: boolean): Uint8Array<ArrayBuffer> | undefined {
    const ext = this.#external;
    const first = ext[0];
    if (first === undefined) return undefined;
    const buffer = first.bytes.buffer as ArrayBuffer;
    const payloads = framable.get(buffer);
    if (payloads === undefined || payloads.length !== ext.length) return undefined;
    // Where the frame would start in the buffer: its bytes before the first bin end where that payload begins.
    const start = first.bytes.byteOffset - first.pos;
    if (start < 0 || start + total > buffer.byteLength) return undefined;
    for (let i = 0; i < ext.length; i++) {
      const { pos, bytes } = ext[i] as { pos: number; bytes: Uint8Array };
      if (bytes !== payloads[i]) return undefined;
      // Frame offset of this bin = scratch offset + the bins before it; it must be where the payload already is.
      if (bytes.byteOffset - start !== pos + (i === 0 ? 0 : this.#binBytesBefore(i))) return undefined;
    }
    framable.delete(buffer);
    if (!owned) {
      const lease = leases.get(buffer);
      if (lease) lease.escaped = true;
    }
    const out = new Uint8Array(buffer, start, total);
    let from = 0;
    let binBytes = 0;
    for (const { pos, bytes } of ext) {
      out.set(this.#buf.subarray(from, pos), from + binBytes);
      binBytes += bytes.byteLength;
      from = pos;
    }
    out.set(this.#buf.subarray(from, this.#pos), from + binBytes);
    return out;
  }

  #binBytesBefore(i: number): number {
    let n = 0;
    for (let j = 0; j < i; j++) n += (this.#external[j] as { bytes: Uint8Array }).bytes.byteLength;
    return n;
  }

  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #write(value: unknown): void {
    switch (typeof value) {
      case "number":
        this.#number(value);
        return;
      case "string":
        this.#string(value);
        return;
      case "boolean":
        this.#ensure(1);
        this.#buf[this.#pos++] = value ? 0xc3 : 0xc2;
        return;
      case "bigint":
        this.#bigint(value);
        return;
      case "undefined":
        this.#ensure(1);
        this.#buf[this.#pos++] = 0xc0;
        return;
      case "object":
        if (value === null) {
          this.#ensure(1);
          this.#buf[this.#pos++] = 0xc0;
          return;
        }
        if (++this.#depth > 512) throw new VuerEncodeError("value is nested too deeply (or circular)");
        if (Array.isArray(value)) this.#array(value);
        else if (value instanceof Uint8Array) this.#bin(value);
        else if (ArrayBuffer.isView(value)) {
          this.#bin(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
        } else if (value instanceof ArrayBuffer) this.#bin(new Uint8Array(value));
        else if (value instanceof Map) this.#map([...value.entries()]);
        else if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
          this.#write((value as { toJSON(): unknown }).toJSON());
        } else this.#object(value as Record<string, unknown>);
        this.#depth--;
        return;
      default:
        throw new VuerEncodeError(`cannot encode a ${typeof value}`);
    }
  }

  #number(n: number): void {
    this.#ensure(9);
    const b = this.#buf;
    if (Number.isInteger(n) && !Object.is(n, -0)) {
      if (n >= 0) {
        if (n < 0x80) b[this.#pos++] = n;
        else if (n < 0x100) {
          b[this.#pos++] = 0xcc;
          b[this.#pos++] = n;
        } else if (n < 0x10000) {
          b[this.#pos++] = 0xcd;
          this.#view.setUint16(this.#pos, n);
          this.#pos += 2;
        } else if (n < 0x100000000) {
          b[this.#pos++] = 0xce;
          this.#view.setUint32(this.#pos, n);
          this.#pos += 4;
        } else if (n <= Number.MAX_SAFE_INTEGER) {
          b[this.#pos++] = 0xcf;
          this.#view.setUint32(this.#pos, Math.floor(n / 0x100000000));
          this.#view.setUint32(this.#pos + 4, n >>> 0);
          this.#pos += 8;
        } else this.#float32(n);
      } else if (n >= -0x20) b[this.#pos++] = n & 0xff;
      else if (n >= -0x80) {
        b[this.#pos++] = 0xd0;
        this.#view.setInt8(this.#pos++, n);
      } else if (n >= -0x8000) {
        b[this.#pos++] = 0xd1;
        this.#view.setInt16(this.#pos, n);
        this.#pos += 2;
      } else if (n >= -0x80000000) {
        b[this.#pos++] = 0xd2;
        this.#view.setInt32(this.#pos, n);
        this.#pos += 4;
      } else if (n >= Number.MIN_SAFE_INTEGER) {
        b[this.#pos++] = 0xd3;
        this.#view.setBigInt64(this.#pos, BigInt(n));
        this.#pos += 8;
      } else this.#float32(n);
      return;
    }
    this.#float32(n);
  }

  // Upstream sends every Python float as float32 (use_single_float): precision beyond float32 is not on the wire.
  #float32(n: number): void {
    this.#buf[this.#pos++] = 0xca;
    this.#view.setFloat32(this.#pos, n);
    this.#pos += 4;
  }

  #bigint(n: bigint): void {
    this.#ensure(9);
    if (n >= 0n && n <= 0xffffffffffffffffn) {
      if (n <= BigInt(Number.MAX_SAFE_INTEGER)) {
        this.#number(Number(n));
        return;
      }
      this.#buf[this.#pos++] = 0xcf;
      this.#view.setBigUint64(this.#pos, n);
    } else if (n < 0n && n >= -0x8000000000000000n) {
      if (n >= BigInt(Number.MIN_SAFE_INTEGER)) {
        this.#number(Number(n));
        return;
      }
      this.#buf[this.#pos++] = 0xd3;
      this.#view.setBigInt64(this.#pos, n);
    } else throw new VuerEncodeError(`integer ${n} does not fit in 64 bits`);
    this.#pos += 8;
  }

  #string(s: string): void {
    const len = s.length;
    // ASCII fast path for the short keys and tags that make up most of a frame.
    if (len < 32) {
      this.#ensure(1 + len * 3);
      const start = this.#pos++;
      let p = this.#pos;
      const b = this.#buf;
      let ascii = true;
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        b[p++] = c;
      }
      if (ascii) {
        b[start] = 0xa0 | len;
        this.#pos = p;
        return;
      }
      this.#pos = start;
    }
    const max = len * 3;
    this.#ensure(5 + max);
    // Reserve the widest header that could be needed, write the bytes, then fix the header.
    const headerSize = max < 32 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
    const start = this.#pos;
    const { written } = this.#textEncoder.encodeInto(s, this.#buf.subarray(start + headerSize));
    const size = written < 32 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
    if (size !== headerSize) this.#buf.copyWithin(start + size, start + headerSize, start + headerSize + written);
    const b = this.#buf;
    if (size === 1) b[start] = 0xa0 | written;
    else if (size === 2) {
      b[start] = 0xd9;
      b[start + 1] = written;
    } else if (size === 3) {
      b[start] = 0xda;
      this.#view.setUint16(start + 1, written);
    } else {
      b[start] = 0xdb;
      this.#view.setUint32(start + 1, written);
    }
    this.#pos = start + size + written;
  }

  #bin(bytes: Uint8Array): void {
    const n = bytes.byteLength;
    this.#ensure(n >= EXTERNAL_BIN ? 5 : 5 + n);
    const b = this.#buf;
    if (n < 0x100) {
      b[this.#pos++] = 0xc4;
      b[this.#pos++] = n;
    } else if (n < 0x10000) {
      b[this.#pos++] = 0xc5;
      this.#view.setUint16(this.#pos, n);
      this.#pos += 2;
    } else {
      b[this.#pos++] = 0xc6;
      this.#view.setUint32(this.#pos, n);
      this.#pos += 4;
    }
    if (n >= EXTERNAL_BIN) {
      this.#external.push({ pos: this.#pos, bytes });
      this.#externalBytes += n;
      return;
    }
    b.set(bytes, this.#pos);
    this.#pos += n;
  }

  #header(n: number, fix: number, x16: number): void {
    this.#ensure(5);
    if (n < 16) this.#buf[this.#pos++] = fix | n;
    else if (n < 0x10000) {
      this.#buf[this.#pos++] = x16;
      this.#view.setUint16(this.#pos, n);
      this.#pos += 2;
    } else {
      this.#buf[this.#pos++] = x16 + 1;
      this.#view.setUint32(this.#pos, n);
      this.#pos += 4;
    }
  }

  #array(a: unknown[]): void {
    this.#header(a.length, 0x90, 0xdc);
    for (let i = 0; i < a.length; i++) this.#write(a[i]);
  }

  #map(entries: Array<[unknown, unknown]>): void {
    this.#header(entries.length, 0x80, 0xde);
    for (const [k, v] of entries) {
      this.#write(k);
      this.#write(v);
    }
  }

  // Properties holding `undefined` are left out, as JSON.stringify does: TS optional props never reach the wire.
  #object(o: Record<string, unknown>): void {
    let n = 0;
    for (const k in o) if (Object.hasOwn(o, k) && o[k] !== undefined) n++;
    this.#header(n, 0x80, 0xde);
    for (const k in o) {
      if (!Object.hasOwn(o, k)) continue;
      const v = o[k];
      if (v === undefined) continue;
      this.#string(k);
      this.#write(v);
    }
  }
}
