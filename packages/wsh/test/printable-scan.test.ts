// The WebAssembly SIMD search for the first byte that is not printable ASCII must answer exactly as
// the JS one (the reference) wherever it starts and stops, and scanForElision must not change with it.
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { type ElisionStart, scanForElision } from "../src/server/terminal/elision.js";
import {
  MAX_WASM_BYTES,
  MIN_WASM_BYTES,
  nextNonPrintable,
  PrintableScanner,
} from "../src/server/terminal/printable-scan.js";

/** Bytes that end a search, with the printable ones at the range's edges beside them. */
const NOT_PRINTABLE = [0x00, 0x0a, 0x0d, 0x1b, 0x1f, 0x7f, 0x80, 0xc3, 0xfe, 0xff];
const EDGES = [0x20, 0x21, 0x7d, 0x7e];

/** Printable bytes, a quarter of them at the edges of the range, and `bad` of them replaced by others. */
function fill(b: Uint8Array, rand: () => number, bad: number): void {
  for (let k = 0; k < b.length; k++) {
    b[k] = rand() < 0.25 ? (EDGES[Math.floor(rand() * EDGES.length)] as number) : 0x20 + Math.floor(rand() * 95);
  }
  for (let n = 0; n < bad && b.length > 0; n++) {
    b[Math.floor(rand() * b.length)] = NOT_PRINTABLE[Math.floor(rand() * NOT_PRINTABLE.length)] as number;
  }
}

describe("PrintableScanner", () => {
  test("WebAssembly SIMD is available here (so the tests below compare it with JS)", () => {
    expect(new PrintableScanner().usesWasm).toBe(true);
    expect(new PrintableScanner({ forceJs: true }).usesWasm).toBe(false);
  });

  test("every length 0..100 at every alignment, one byte not printable or none (seeded)", () => {
    const rand = mulberry32(1);
    const scanner = new PrintableScanner({ minWasmBytes: 0 });
    const backing = new Uint8Array(200);
    for (let len = 0; len <= 100; len++) {
      for (let offset = 0; offset < 16; offset++) {
        for (let at = -1; at < len; at += len > 20 ? 7 : 1) {
          const b = backing.subarray(offset, offset + len);
          fill(b, rand, 0);
          if (at >= 0) b[at] = NOT_PRINTABLE[(len + offset + at) % NOT_PRINTABLE.length] as number;
          scanner.load(b, 0, len);
          expect(scanner.loadedInWasm).toBe(true);
          const expected = at < 0 ? len : at;
          expect(nextNonPrintable(b, 0, len)).toBe(expected);
          expect(scanner.next(0, len)).toBe(expected);
        }
      }
    }
  });

  test("every byte value is told apart exactly at every lane of a vector", () => {
    const scanner = new PrintableScanner({ minWasmBytes: 0 });
    const b = new Uint8Array(130).fill(0x61);
    for (let value = 0; value < 256; value++) {
      for (let at = 0; at < 66; at++) {
        b.fill(0x61);
        b[at] = value;
        scanner.load(b, 0, b.length);
        const expected = value >= 0x20 && value <= 0x7e ? b.length : at;
        expect(scanner.next(0, b.length)).toBe(expected);
      }
    }
  });

  test("from and end anywhere inside a loaded range, several non-printables (seeded)", () => {
    const rand = mulberry32(2);
    const wasm = new PrintableScanner();
    const js = new PrintableScanner({ forceJs: true });
    for (let t = 0; t < 300; t++) {
      const len = MIN_WASM_BYTES + 128 + Math.floor(rand() * 40_000);
      const chunk = new Uint8Array(len);
      fill(chunk, rand, Math.floor(rand() * 4));
      const loadFrom = Math.floor(rand() * 64);
      const loadEnd = len - Math.floor(rand() * 64);
      wasm.load(chunk, loadFrom, loadEnd);
      js.load(chunk, loadFrom, loadEnd);
      expect(wasm.loadedInWasm).toBe(true);
      expect(js.loadedInWasm).toBe(false);
      for (let q = 0; q < 20; q++) {
        const from = loadFrom + Math.floor(rand() * (loadEnd - loadFrom + 1));
        const end = from + Math.floor(rand() * (loadEnd - from + 1));
        const expected = nextNonPrintable(chunk, from, end);
        expect(wasm.next(from, end)).toBe(expected);
        expect(js.next(from, end)).toBe(expected);
      }
      // Walks the range from one non-printable to the next, as a scan of many lines does.
      const stops: number[] = [];
      for (let i = loadFrom; i < loadEnd; i = wasm.next(i + 1, loadEnd)) stops.push(i);
      const expectedStops: number[] = [];
      for (let i = loadFrom; i < loadEnd; i = nextNonPrintable(chunk, i + 1, loadEnd)) expectedStops.push(i);
      expect(stops).toEqual(expectedStops);
    }
  });

  test("a range longer than the memory grows it; one over the cap and a short one are searched in JS", () => {
    const scanner = new PrintableScanner();
    const long = new Uint8Array(2 * 1024 * 1024 + 5).fill(0x7e);
    long[long.length - 3] = 0x7f;
    scanner.load(long, 1, long.length);
    expect(scanner.loadedInWasm).toBe(true);
    expect(scanner.next(1, long.length)).toBe(long.length - 3);
    expect(scanner.next(long.length - 2, long.length)).toBe(long.length);

    const huge = new Uint8Array(MAX_WASM_BYTES + 1).fill(0x20);
    huge[MAX_WASM_BYTES - 1] = 0x1f;
    scanner.load(huge, 0, huge.length);
    expect(scanner.loadedInWasm).toBe(false);
    expect(scanner.next(0, huge.length)).toBe(MAX_WASM_BYTES - 1);

    const short = new Uint8Array(MIN_WASM_BYTES - 1).fill(0x41);
    short[100] = 0x80;
    scanner.load(short, 0, short.length);
    expect(scanner.loadedInWasm).toBe(false);
    expect(scanner.next(0, short.length)).toBe(100);
    // The memory loaded before is still searched right after growing and falling back.
    scanner.load(long, 0, long.length);
    expect(scanner.next(0, long.length)).toBe(long.length - 3);
  });

  test("without WebAssembly (node --jitless) the JS search is used, silently", async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const module = pathToFileURL(fileURLToPath(new URL("../src/server/terminal/printable-scan.ts", import.meta.url)));
    const script = [
      `import { PrintableScanner } from ${JSON.stringify(module.href)};`,
      "const s = new PrintableScanner();",
      "const b = new Uint8Array(10000).fill(0x61); b[7000] = 0x1b;",
      "s.load(b, 0, b.length);",
      "console.log(JSON.stringify({ wasm: s.usesWasm, inWasm: s.loadedInWasm, next: s.next(5, b.length) }));",
    ].join("\n");
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--jitless", "--import", tsx, "--input-type=module", "--eval", script],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ wasm: false, inWasm: false, next: 7000 });
    expect(stderr).not.toMatch(/error/i);
  }, 90_000);
});

describe("scanForElision with and without WebAssembly", () => {
  test("the same answer on seeded mixes of long lines, line feeds, escapes and UTF-8", () => {
    const rand = mulberry32(3);
    const js = new PrintableScanner({ forceJs: true });
    const wasm = new PrintableScanner();
    const wasmEverywhere = new PrintableScanner({ minWasmBytes: 0 });
    const pieces = ["\n", "\r\n", "\r", "\x1b[31m", "\x1b[0m", "é", "\t", "\x1b]0;title\x07"];
    const enc = new TextEncoder();
    let spans = 0;
    let loadedInWasm = 0;
    for (let t = 0; t < 150; t++) {
      const cols = 5 + Math.floor(rand() * 120);
      const rows = 2 + Math.floor(rand() * 30);
      const s: ElisionStart = {
        cols,
        rows,
        capacity: rows + Math.floor(rand() * 200),
        x: Math.floor(rand() * (cols + 1)),
        y: rows - 1 - Math.floor(rand() * 2),
        convertEol: rand() < 0.3,
      };
      // Mostly long plain lines (the wasm path), with a seeded share of everything else.
      const parts: string[] = [];
      const escapes = rand() * 0.2;
      let total = 0;
      const target = 4096 + Math.floor(rand() * 120_000);
      while (total < target) {
        const part =
          rand() < escapes
            ? (pieces[Math.floor(rand() * pieces.length)] as string)
            : `${"x".repeat(Math.floor(rand() * 3 * cols))}${rand() < 0.7 ? "\n" : ""}`;
        parts.push(part);
        total += part.length;
      }
      const bytes = enc.encode(parts.join(""));
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = rand() < 0.5 ? 1 + Math.floor(rand() * 300) : MIN_WASM_BYTES + Math.floor(rand() * 60_000);
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      const minBytes = 1 + Math.floor(rand() * 2000);
      const maxBytes = rand() < 0.3 ? Math.floor(rand() * bytes.length) : 1 << 24;
      const expected = scanForElision(chunks, s, minBytes, maxBytes, js);
      expect(scanForElision(chunks, s, minBytes, maxBytes, wasm)).toEqual(expected);
      if (wasm.loadedInWasm) loadedInWasm++;
      expect(scanForElision(chunks, s, minBytes, maxBytes, wasmEverywhere)).toEqual(expected);
      expect(scanForElision(chunks, s, minBytes, maxBytes)).toEqual(expected);
      if (expected.kind === "span") spans++;
    }
    // The mixes gave both spans to drop and scans that went through WebAssembly.
    expect(spans).toBeGreaterThan(10);
    expect(loadedInWasm).toBeGreaterThan(10);
  });
});

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
