import type { WireData } from "../protocol/codec.js";

/**
 * Node's `ws` only (a browser socket has none of this, and the function returns undefined there): writes a
 * message as one masked frame in one buffer straight to `ws`'s sender. `ws.send()` copies a string into a
 * buffer, masks it, and hands the socket a separate 6-byte header, so every message costs a `writev` of two
 * chunks; here the UTF-8 payload is encoded behind the header and masked in place, and leaves in one `write`.
 *
 * Taken only when the frame is plain: no permessage-deflate on the connection, `ws`'s sender idle (not
 * compressing or reading a Blob, which queue behind it), payload under 64 KiB. Otherwise `write` returns
 * false and the caller sends through `ws` as usual.
 */
export function directFrameWriter(ws: unknown): ((data: WireData) => boolean) | undefined {
  const w = ws as NodeWsInternals;
  const sender = w._sender;
  if (NodeBuffer === undefined || typeof sender?.sendFrame !== "function") return undefined;
  if (w._extensions?.["permessage-deflate"] !== undefined) return undefined;
  return (data) => {
    if (sender._state !== 0) return false;
    const frame = maskedFrame(data);
    if (frame === undefined) return false;
    (sender.sendFrame as (list: Uint8Array[]) => void)([frame]);
    return true;
  };
}

interface NodeWsInternals {
  _sender?: { _state?: number; sendFrame?: unknown };
  _extensions?: Record<string, unknown>;
}

interface NodeBufferCtor {
  allocUnsafe(size: number): Uint8Array & { write(text: string, offset: number, encoding: "utf8"): number };
  byteLength(text: string, encoding: "utf8"): number;
}

/** Node's Buffer, looked up at run time so browser bundles never pull a polyfill in. */
const NodeBuffer = (globalThis as { Buffer?: NodeBufferCtor }).Buffer;

/** Frames with a 16-bit length at most: larger payloads go through `ws` (their copy dwarfs a second chunk). */
const MAX_PAYLOAD = 0xffff;

/** Random bytes for masking keys, refilled from the platform's CSPRNG (as `ws` does). */
const pool = new Uint8Array(4096);
let poolAt = pool.length;

function maskedFrame(data: WireData): Uint8Array | undefined {
  const Buf = NodeBuffer as NodeBufferCtor;
  const text = typeof data === "string";
  const length = text ? Buf.byteLength(data, "utf8") : data.byteLength;
  if (length > MAX_PAYLOAD) return undefined;
  const head = length < 126 ? 6 : 8;
  const frame = Buf.allocUnsafe(head + length);
  frame[0] = text ? 0x81 : 0x82; // FIN + opcode
  if (length < 126) frame[1] = 0x80 | length;
  else {
    frame[1] = 0x80 | 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  }
  if (poolAt === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const m0 = pool[poolAt++] as number;
  const m1 = pool[poolAt++] as number;
  const m2 = pool[poolAt++] as number;
  const m3 = pool[poolAt++] as number;
  frame[head - 4] = m0;
  frame[head - 3] = m1;
  frame[head - 2] = m2;
  frame[head - 1] = m3;
  if (text) frame.write(data, head, "utf8");
  else frame.set(data, head);
  const end = head + length;
  let i = head;
  for (; i + 3 < end; i += 4) {
    frame[i] = (frame[i] as number) ^ m0;
    frame[i + 1] = (frame[i + 1] as number) ^ m1;
    frame[i + 2] = (frame[i + 2] as number) ^ m2;
    frame[i + 3] = (frame[i + 3] as number) ^ m3;
  }
  if (i < end) frame[i] = (frame[i] as number) ^ m0;
  if (i + 1 < end) frame[i + 1] = (frame[i + 1] as number) ^ m1;
  if (i + 2 < end) frame[i + 2] = (frame[i + 2] as number) ^ m2;
  return frame;
}
