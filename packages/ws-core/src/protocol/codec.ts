import { ProtocolError } from "../errors.js";

/** What a WebSocket message carries: text, or bytes. */
export type WireData = string | Uint8Array;

/**
 * Turns messages into frames and back. JSON ships here; binary codecs (msgpack, raw bytes) plug in
 * through the same interface. `decode` throws `ProtocolError` on data it cannot read.
 */
export interface Codec<T = unknown> {
  readonly name: string;
  /** "text" codecs produce strings, "binary" codecs produce bytes. */
  readonly frame: "text" | "binary";
  encode(message: T): WireData;
  decode(data: WireData): T;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Normalises whatever a socket delivered (string, Buffer, ArrayBuffer, Buffer[]) to string or bytes. */
export function toWireData(data: unknown): WireData {
  if (typeof data === "string") return data;
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    const parts = data as Uint8Array[];
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.byteLength;
    }
    return out;
  }
  throw new ProtocolError(`unsupported frame data: ${Object.prototype.toString.call(data)}`);
}

export function wireToText(data: WireData): string {
  if (typeof data === "string") return data;
  try {
    return decoder.decode(data);
  } catch (cause) {
    throw new ProtocolError("frame is not valid UTF-8", [], { cause });
  }
}

export function byteLength(data: WireData): number {
  return typeof data === "string" ? utf8Length(data) : data.byteLength;
}

function utf8Length(s: string): number {
  // Cheap upper-bound-free exact count without allocating.
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** JSON text frames. Binary frames holding UTF-8 JSON are accepted too (some peers send them). */
export const jsonCodec: Codec<unknown> = {
  name: "json",
  frame: "text",
  encode: (message) => JSON.stringify(message),
  decode(data) {
    const text = wireToText(data);
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new ProtocolError("invalid JSON", [], { cause });
    }
  },
};

/** Bytes in, bytes out: for protocols whose frames are opaque (PTY output, binary HID). */
export const rawCodec: Codec<Uint8Array> = {
  name: "raw",
  frame: "binary",
  encode: (message) => message,
  decode(data) {
    return typeof data === "string" ? new TextEncoder().encode(data) : data;
  },
};
