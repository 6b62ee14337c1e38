import { deflateSync } from "node:zlib";

/**
 * Raw pixels, rows top to bottom, channels interleaved: 1 (grey), 3 (RGB) or 4 (RGBA) bytes per pixel. The
 * channel count is taken from the data length when not given. What upstream's encoders take as numpy arrays.
 */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels?: 1 | 3 | 4;
}

function check(image: RawImage): { data: Uint8Array; width: number; height: number; channels: number } {
  const { width, height } = image;
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width > 65535 ||
    height > 65535
  )
    throw new RangeError(`image size must be 1-65535 x 1-65535 pixels, got ${width} x ${height}`);
  const pixels = width * height;
  const channels = image.channels ?? image.data.length / pixels;
  if (channels !== 1 && channels !== 3 && channels !== 4)
    throw new RangeError(`expected 1, 3 or 4 bytes per pixel, got ${image.data.length} bytes for ${width} x ${height}`);
  if (image.data.length !== pixels * channels)
    throw new RangeError(
      `expected ${pixels * channels} bytes for ${width} x ${height} x ${channels}, got ${image.data.length}`,
    );
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return { data, width, height, channels };
}

// ---- PNG ----

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}

/** PNG bytes of raw pixels (grey, RGB or RGBA; alpha kept), as upstream's `vuer.workspace.png`. */
export function png(image: RawImage): Uint8Array {
  const { data, width, height, channels } = check(image);
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bits per channel
  header[9] = channels === 1 ? 0 : channels === 3 ? 2 : 6; // grey, RGB, RGBA
  // compression 0, filter 0, no interlace
  const stride = width * channels;
  const rows = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    // Filter "Up" (2) where it helps most images: each byte minus the one above it.
    const at = y * (stride + 1);
    rows[at] = y === 0 ? 0 : 2;
    const line = data.subarray(y * stride, (y + 1) * stride);
    if (y === 0) rows.set(line, at + 1);
    else
      for (let i = 0; i < stride; i++)
        rows[at + 1 + i] = ((line[i] as number) - (data[(y - 1) * stride + i] as number)) & 0xff;
  }
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- baseline JPEG (JFIF, 4:4:4, the standard tables of ITU T.81 Annex K) ----

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
];
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_Q = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...new Array<number>(32).fill(99),
];
const DC_LUMA_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_CHROMA_BITS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_LUMA_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_LUMA_VALUES = hex(
  "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa",
);
const AC_CHROMA_BITS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
const AC_CHROMA_VALUES = hex(
  "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa",
);

function hex(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i += 2) out.push(Number.parseInt(s.slice(i, i + 2), 16));
  return out;
}

/** Canonical Huffman codes: symbol -> [code, length]. */
function huffman(bits: number[], values: number[]): Array<[number, number]> {
  const table: Array<[number, number]> = [];
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < (bits[len - 1] as number); i++) table[values[k++] as number] = [code++, len];
    code <<= 1;
  }
  return table;
}

const DC_LUMA = huffman(DC_LUMA_BITS, DC_VALUES);
const DC_CHROMA = huffman(DC_CHROMA_BITS, DC_VALUES);
const AC_LUMA = huffman(AC_LUMA_BITS, AC_LUMA_VALUES);
const AC_CHROMA = huffman(AC_CHROMA_BITS, AC_CHROMA_VALUES);

/** cos((2x+1)uπ/16) × C(u)/2, indexed [u * 8 + x]. */
const DCT = (() => {
  const t = new Float64Array(64);
  for (let u = 0; u < 8; u++)
    for (let x = 0; x < 8; x++)
      t[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return t;
})();

function scaledTable(base: number[], quality: number): number[] {
  const q = quality < 50 ? Math.floor(5000 / quality) : 200 - quality * 2;
  return base.map((b) => Math.min(255, Math.max(1, Math.floor((b * q + 50) / 100))));
}

class BitWriter {
  bytes: number[] = [];
  #acc = 0;
  #n = 0;
  write(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((code >>> i) & 1);
      if (++this.#n === 8) {
        this.bytes.push(this.#acc);
        if (this.#acc === 0xff) this.bytes.push(0); // byte stuffing
        this.#acc = 0;
        this.#n = 0;
      }
    }
  }
  flush(): void {
    if (this.#n > 0) this.write((1 << (8 - this.#n)) - 1, 8 - this.#n); // pad with 1 bits
  }
}

/**
 * Baseline JPEG bytes of raw pixels (grey, RGB, or RGBA with the alpha dropped), quality 1-100 (default 90, as
 * upstream's `vuer.workspace.jpg`), with the standard quantisation and Huffman tables and no chroma subsampling.
 */
export function jpg(image: RawImage, quality = 90): Uint8Array {
  const { data, width, height, channels } = check(image);
  if (!(quality >= 1 && quality <= 100)) throw new RangeError(`quality must be 1-100, got ${quality}`);
  const q = Math.round(quality);
  const grey = channels === 1;
  const comps = grey ? 1 : 3;
  const qt = [scaledTable(LUMA_Q, q), scaledTable(CHROMA_Q, q)];
  const head: number[] = [0xff, 0xd8]; // SOI
  const segment = (marker: number, body: number[]) =>
    head.push(0xff, marker, ((body.length + 2) >> 8) & 0xff, (body.length + 2) & 0xff, ...body);
  segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]); // APP0 JFIF 1.1, no density, no thumbnail
  for (let t = 0; t < (grey ? 1 : 2); t++) segment(0xdb, [t, ...ZIGZAG.map((z) => (qt[t] as number[])[z] as number)]);
  const sof = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, comps];
  for (let c = 0; c < comps; c++) sof.push(c + 1, 0x11, c === 0 ? 0 : 1);
  segment(0xc0, sof);
  const dht = (cls: number, id: number, bits: number[], values: number[]) =>
    segment(0xc4, [(cls << 4) | id, ...bits, ...values]);
  dht(0, 0, DC_LUMA_BITS, DC_VALUES);
  dht(1, 0, AC_LUMA_BITS, AC_LUMA_VALUES);
  if (!grey) {
    dht(0, 1, DC_CHROMA_BITS, DC_VALUES);
    dht(1, 1, AC_CHROMA_BITS, AC_CHROMA_VALUES);
  }
  const sos = [comps];
  for (let c = 0; c < comps; c++) sos.push(c + 1, c === 0 ? 0x00 : 0x11);
  sos.push(0, 63, 0);
  segment(0xda, sos);

  const out = new BitWriter();
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  const coef = new Int32Array(64);
  const prevDc = [0, 0, 0];
  const encodeBlock = (c: number) => {
    // Separable DCT: rows, then columns.
    for (let y = 0; y < 8; y++)
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let x = 0; x < 8; x++) s += (DCT[u * 8 + x] as number) * (block[y * 8 + x] as number);
        tmp[y * 8 + u] = s;
      }
    const table = qt[c === 0 ? 0 : 1] as number[];
    for (let v = 0; v < 8; v++)
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let y = 0; y < 8; y++) s += (DCT[v * 8 + y] as number) * (tmp[y * 8 + u] as number);
        coef[v * 8 + u] = Math.round(s / (table[v * 8 + u] as number));
      }
    const dcTable = c === 0 ? DC_LUMA : DC_CHROMA;
    const acTable = c === 0 ? AC_LUMA : AC_CHROMA;
    const dc = coef[0] as number;
    const diff = dc - (prevDc[c] as number);
    prevDc[c] = dc;
    const cat = bitLength(diff);
    const [dcCode, dcLen] = dcTable[cat] as [number, number];
    out.write(dcCode, dcLen);
    if (cat) out.write(diff < 0 ? diff + (1 << cat) - 1 : diff, cat);
    let run = 0;
    for (let k = 1; k < 64; k++) {
      const v = coef[ZIGZAG[k] as number] as number;
      if (v === 0) {
        run++;
        continue;
      }
      while (run >= 16) {
        const [zc, zl] = acTable[0xf0] as [number, number];
        out.write(zc, zl);
        run -= 16;
      }
      const size = bitLength(v);
      const [code, len] = acTable[(run << 4) | size] as [number, number];
      out.write(code, len);
      out.write(v < 0 ? v + (1 << size) - 1 : v, size);
      run = 0;
    }
    if (run > 0) {
      const [eob, eobLen] = acTable[0] as [number, number];
      out.write(eob, eobLen);
    }
  };
  for (let by = 0; by < height; by += 8)
    for (let bx = 0; bx < width; bx += 8)
      for (let c = 0; c < comps; c++) {
        for (let y = 0; y < 8; y++) {
          const py = Math.min(by + y, height - 1); // edge blocks repeat the last row and column
          for (let x = 0; x < 8; x++) {
            const i = (py * width + Math.min(bx + x, width - 1)) * channels;
            const r = data[i] as number;
            let val: number;
            if (grey) val = r;
            else {
              const g = data[i + 1] as number;
              const b = data[i + 2] as number;
              val =
                c === 0
                  ? 0.299 * r + 0.587 * g + 0.114 * b
                  : c === 1
                    ? -0.168736 * r - 0.331264 * g + 0.5 * b + 128
                    : 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
            }
            block[y * 8 + x] = val - 128;
          }
        }
        encodeBlock(c);
      }
  out.flush();
  const result = new Uint8Array(head.length + out.bytes.length + 2);
  result.set(head, 0);
  result.set(out.bytes, head.length);
  result.set([0xff, 0xd9], head.length + out.bytes.length); // EOI
  return result;
}

function bitLength(v: number): number {
  let a = Math.abs(v);
  let n = 0;
  while (a) {
    n++;
    a >>= 1;
  }
  return n;
}

/** `data:image/png;base64,...` of raw pixels (upstream's `b64png`). */
export function b64png(image: RawImage): string {
  return `data:image/png;base64,${Buffer.from(png(image)).toString("base64")}`;
}

/** `data:image/jpeg;base64,...` of raw pixels (upstream's `b64jpg`). */
export function b64jpg(image: RawImage, quality = 90): string {
  return `data:image/jpeg;base64,${Buffer.from(jpg(image, quality)).toString("base64")}`;
}
