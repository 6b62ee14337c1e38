/**
 * Float16 → float32 for the viewer: one 65,536-entry table, built on first use, so a million-point cloud
 * (3M halves) decodes with one lookup per value instead of bit arithmetic.
 */
let table: Float32Array | undefined;

function halfTable(): Float32Array {
  if (table) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) t[h] = mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  table = t;
  return t;
}

/** Little-endian float16 bytes (msgpack bin) to float32 values. An odd trailing byte is ignored. */
export function decodeFloat16(bytes: Uint8Array): Float32Array {
  const t = halfTable();
  const n = bytes.byteLength >>> 1;
  const out = new Float32Array(n);
  if (bytes.byteOffset % 2 === 0) {
    const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = t[halves[i] as number] as number;
  } else {
    for (let i = 0; i < n; i++) out[i] = t[(bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8)] as number;
  }
  return out;
}

/** Little-endian uint32 bytes to a Uint32Array (copied when the bytes are not 4-aligned). */
export function decodeUint32(bytes: Uint8Array): Uint32Array {
  const n = bytes.byteLength >>> 2;
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  return new Uint32Array(bytes.slice(0, n * 4).buffer);
}

/**
 * Vertex-like data in the shapes a server may send: float16 bytes (upstream's wire form), a Float32Array or
 * Float16-free typed array, a flat number list, or N x k nested lists.
 */
export function toFloat32(v: unknown): Float32Array | undefined {
  if (v instanceof Uint8Array) return decodeFloat16(v);
  if (v instanceof Float32Array) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Float32Array.from(v as unknown as ArrayLike<number>);
  if (!Array.isArray(v)) return undefined;
  if (v.length > 0 && Array.isArray(v[0])) return Float32Array.from((v as number[][]).flat(), Number);
  return Float32Array.from(v as number[], Number);
}
