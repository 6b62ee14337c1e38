// Flood elision must be invisible: an emulator that skips output ends in exactly the state of an
// xterm that parsed every byte. Small terminals and thresholds make spans frequent and runs quick.
import { describe, expect, test } from "vitest";
import { Emulator } from "../src/server/index.js";
import {
  afterLines,
  type ElisionStart,
  nextNonPrintable,
  scanForElision,
  splitChunks,
} from "../src/server/terminal/elision.js";
import { SerializeAddon, Terminal } from "../src/server/terminal/xterm.js";

const SIZE = { cols: 20, rows: 5, scrollback: 30 };
const ELISION = { scanBytes: 4096, minSpan: 256, maxScan: 1 << 20 };
const enc = new TextEncoder();

/** Everything observable: every line of both buffers with its wrap flag, cursor, and the serialized screen. */
function snapshot(term: Terminal): string {
  const dump = (b: Terminal["buffer"]["normal"]) => {
    const lines: string[] = [];
    for (let i = 0; i < b.length; i++) {
      const l = b.getLine(i);
      lines.push(`${l?.isWrapped ? "+" : "|"}${l?.translateToString(false)}`);
    }
    return { length: b.length, baseY: b.baseY, x: b.cursorX, y: b.cursorY, lines };
  };
  const serializer = new SerializeAddon();
  term.loadAddon(serializer as never);
  const serialized = serializer.serialize({ scrollback: 10_000 });
  serializer.dispose();
  return JSON.stringify({
    type: term.buffer.active.type,
    normal: dump(term.buffer.normal),
    alternate: dump(term.buffer.alternate),
    modes: term.modes,
    serialized,
  });
}

/** Feeds `chunks` to an eliding emulator and to a plain xterm; returns both snapshots and the bytes skipped. */
async function compare(chunks: Uint8Array[], size = SIZE): Promise<{ elided: number; got: string; want: string }> {
  const emu = new Emulator({ ...size, floodElision: ELISION });
  for (const c of chunks) emu.write(c);
  await emu.settled();
  const ref = new Terminal({ ...size, allowProposedApi: true });
  for (const c of chunks) await new Promise<void>((r) => ref.write(c, r));
  const result = { elided: emu.elidedBytes, got: snapshot(emu.term), want: snapshot(ref) };
  emu.dispose();
  ref.dispose();
  return result;
}

const chunked = (text: string, size = 1000) => {
  const b = enc.encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
};
const numbered = (n: number, eol = "\r\n") => Array.from({ length: n }, (_, i) => `${i}${eol}`).join("");

describe("flood elision keeps the exact terminal state", () => {
  const elided: Array<[string, () => string, Partial<typeof SIZE>?]> = [
    ["one long line wrapping (no newlines)", () => `${"a".repeat(60_000)}END`],
    ["the same at an odd width", () => `${"x".repeat(59_999)}END`, { cols: 21 }],
    ["numbered lines (seq)", () => `${numbered(12_000)}tail`],
    [
      "carriage-return progress updates",
      () => Array.from({ length: 6000 }, (_, i) => `\rstep ${i}${i % 7 ? "" : "\n"}`).join(""),
    ],
    ["lines longer than the width", () => Array.from({ length: 3000 }, (_, i) => `${"w".repeat(i % 57)}\r\n`).join("")],
    ["a flood after colours are set", () => `\x1b[31;44mred${"a".repeat(40_000)}\x1b[0m\r\nbye`],
    ["a flood on the alternate screen", () => `\x1b[?1049h${numbered(8000)}x`],
    [
      "floods between a clear and bold text",
      () => `${numbered(6000)}\x1b[2J\x1b[H${"z".repeat(30_000)}\x1b[1mB${numbered(6000)}`,
    ],
    ["bare line feeds", () => `${"ab\n".repeat(20_000)}end`],
    ["convertEol (LNM) on", () => `\x1b[20h${"ab\n".repeat(20_000)}end`],
  ];
  for (const [name, data, size] of elided) {
    test(`${name}: elided, same state`, async () => {
      const r = await compare(chunked(data()), { ...SIZE, ...size });
      expect(r.got).toBe(r.want);
      expect(r.elided).toBeGreaterThan(0);
    });
  }

  const unsafe: Array<[string, () => string]> = [
    ["inside a scroll region", () => `\x1b[2;4r${numbered(12_000)}`],
    ["with the DEC graphics charset", () => `\x1b(0${numbered(12_000)}\x1b(B`],
    ["in insert mode", () => `\x1b[4h${"a".repeat(40_000)}`],
    ["with autowrap off", () => `\x1b[?7l${"a".repeat(40_000)}`],
    ["inside an OSC string", () => `\x1b]0;${"t".repeat(40_000)}\x07`],
    ["inside a hyperlink", () => `\x1b]8;;http://x/\x07${numbered(12_000)}`],
  ];
  for (const [name, data] of unsafe) {
    test(`${name}: not elided, same state`, async () => {
      const r = await compare(chunked(data()));
      expect(r.got).toBe(r.want);
      expect(r.elided).toBe(0);
    });
  }

  test("random mixes of floods, escapes, UTF-8 and odd chunk boundaries (seeded)", async () => {
    const pieces = [
      () => "\r\n",
      () => "\n",
      () => "\r",
      () => "\t",
      () => "\b",
      () => "\x1b[1;33m",
      () => "\x1b[0m",
      () => "\x1b[2;3H",
      () => "\x1b[A",
      () => "\x1b[K",
      () => "\x1b[2J",
      () => "\x1b[3J",
      () => "\x1b[?1049h",
      () => "\x1b[?1049l",
      () => "\x1b[2;4r",
      () => "\x1b[r",
      () => "\x1b[4h",
      () => "\x1b[4l",
      () => "\x1b[?7l",
      () => "\x1b[?7h",
      () => "\x1b(0",
      () => "\x1b(B",
      () => "\x1b[3b",
      () => "é中😀",
      () => "\x1b7",
      () => "\x1b8",
      () => "\x1bc",
    ];
    // FUZZ_SEEDS=n runs seeds 1..n instead (for a longer hunt).
    const seeds = Array.from({ length: Number(process.env.FUZZ_SEEDS ?? 6) }, (_, i) => i + 1);
    let elided = 0;
    for (const seed of seeds) {
      const rand = mulberry32(seed);
      const pick = (n: number) => Math.floor(rand() * n);
      let text = "";
      while (text.length < 150_000) {
        const r = rand();
        if (r < 0.08)
          text += "q".repeat(pick(20_000)); // a flood without newlines
        else if (r < 0.16) text += numbered(pick(3000), rand() < 0.8 ? "\r\n" : "\n");
        else if (r < 0.6) text += "word ".repeat(pick(10));
        else text += (pieces[pick(pieces.length)] as () => string)();
      }
      // Chunks of random sizes split escape sequences and UTF-8 characters alike.
      const bytes = enc.encode(text);
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + pick(3000);
        chunks.push(bytes.subarray(i, i + n));
        i += n;
      }
      const r = await compare(chunks);
      expect(r.got, `seed ${seed}`).toBe(r.want);
      elided += r.elided;
    }
    expect(elided).toBeGreaterThan(0);
  });

  test("every screen reported during an elided flood is one the output really showed", async () => {
    const emu = new Emulator({ ...SIZE, scanIntervalMs: 1, floodElision: { ...ELISION, holdMs: 2, maxHoldMs: 8 } });
    const seen: string[][] = [];
    emu.onChanges(() => seen.push(emu.screen("plain").lines.map(String)));
    const chunks = chunked(numbered(40_000), 2000);
    for (const [i, c] of chunks.entries()) {
      emu.write(c);
      if (i % 4 === 3) await new Promise((r) => setTimeout(r, 1)); // let holds expire and scans run mid-flood
    }
    await emu.settled();
    expect(emu.elidedBytes).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(5);
    for (const rows of seen) {
      // Numbered lines count up one by one; the last may be partly printed.
      const filled = rows.filter((r) => r !== "");
      for (let k = 1; k < filled.length; k++) {
        const want = String(Number(filled[k - 1]) + 1);
        if (k < filled.length - 1) expect(filled[k], rows.join("|")).toBe(want);
        else expect(want.startsWith(filled[k] as string), rows.join("|")).toBe(true);
      }
    }
    emu.dispose();
  });

  test("a resize right after an elision waits for it to settle (no gap in the history)", async () => {
    const data = enc.encode(`${numbered(12_000)}tail`);
    for (const [cols, rows] of [
      [20, 30],
      [13, 5],
      [40, 2],
    ] as const) {
      const emu = new Emulator({ ...SIZE, floodElision: ELISION });
      emu.writeBatch(data, true); // queued and scanned at once: the span is cut before xterm parses
      expect(emu.elidedBytes).toBeGreaterThan(0);
      emu.resize(cols, rows);
      await emu.settled();
      const ref = new Terminal({ ...SIZE, allowProposedApi: true });
      await new Promise<void>((r) => ref.write(data, r));
      ref.resize(cols, rows);
      expect(snapshot(emu.term), `${cols}x${rows}`).toBe(snapshot(ref));
      expect(emu.pendingBytes).toBe(0);
      emu.dispose();
      ref.dispose();
    }
  });

  test("a resize applies after the output written before it (stream order)", async () => {
    // At 20 columns Z lands in column 17; parsed after a resize to 10 it would land in column 9.
    const data = enc.encode("\x1b[1;18HZ\r\nnext");
    const emu = new Emulator({ ...SIZE, floodElision: false });
    emu.write(data);
    emu.resize(10, 5);
    await emu.settled();
    const ref = new Terminal({ ...SIZE, allowProposedApi: true });
    await new Promise<void>((r) => ref.write(data, r));
    ref.resize(10, 5);
    expect(snapshot(emu.term)).toBe(snapshot(ref));
    emu.dispose();
    ref.dispose();
  });

  test("a caller waiting for the screen ends a flood hold instead of restarting it", async () => {
    // A hold of a minute: were settled() held by it, the test would time out.
    const emu = new Emulator({ ...SIZE, floodElision: { ...ELISION, holdMs: 60_000, maxHoldMs: 120_000 } });
    emu.writeBatch(enc.encode("x".repeat(2000)), true); // a flood's first batch: held
    await emu.settled();
    expect(emu.pendingBytes).toBe(0);
    expect(emu.screen("plain").lines[4]).toBe("x".repeat(20));
    emu.dispose();
  });

  test("output that only began with a long read is parsed at its short end, not held as a flood", async () => {
    // A hold of a minute: were the short end not to end it, the test would time out.
    const emu = new Emulator({ ...SIZE, floodElision: { ...ELISION, holdMs: 60_000, maxHoldMs: 120_000 } });
    const shown = new Promise<void>((resolve) =>
      emu.onChanges(() => {
        if (emu.screen("plain").lines.includes("END")) resolve();
      }),
    );
    emu.writeBatch(enc.encode("x".repeat(4000)), true); // a long read: held, as a flood may follow
    emu.writeBatch(enc.encode("\r\nEND"), false);
    await shown;
    expect(emu.elidedBytes).toBe(0);
    expect(emu.pendingBytes).toBe(0);
    emu.dispose();
  });

  test("off: every byte parsed", async () => {
    const emu = new Emulator({ ...SIZE, floodElision: false });
    for (const c of chunked(numbered(12_000))) emu.write(c);
    await emu.settled();
    expect(emu.elidedBytes).toBe(0);
    expect(emu.screen("plain").lines[3]).toBe("11999");
    emu.dispose();
  });
});

describe("scanForElision", () => {
  const start = { cols: 10, rows: 3, capacity: 5, x: 0, y: 2, convertEol: false };

  test("a wrapping run: drops whole lines, keeps capacity lines after the span", () => {
    const data = [enc.encode("a".repeat(500))];
    const scan = scanForElision(data, start, 1, 1 << 20);
    expect(scan.kind).toBe("span");
    if (scan.kind !== "span") return;
    expect((scan.end - scan.start) % 10).toBe(0); // same column at both ends
    expect(500 - scan.end).toBeGreaterThanOrEqual(5 * 10); // capacity lines still parsed
    expect(scan.runEnd).toBe(500);
  });

  test("stops at the first byte that is not plain and points past the escape that follows", () => {
    const data = [enc.encode(`ab\x1b[31m${"c".repeat(400)}`)];
    const scan = scanForElision(data, start, 100, 1 << 20);
    expect(scan).toEqual({ kind: "resume", at: 3 + 64 }); // the stretch starts at "[31m"
  });

  test("too little output after a span: nothing", () => {
    expect(scanForElision([enc.encode("a".repeat(55))], start, 1, 1 << 20)).toEqual({ kind: "none" });
  });

  test("nextNonPrintable finds the first control or non-ASCII byte at any alignment (seeded)", () => {
    const rand = mulberry32(7);
    const bad = [0x00, 0x0a, 0x0d, 0x1b, 0x1f, 0x7f, 0x80, 0xc3, 0xff];
    const backing = new Uint8Array(200);
    for (let t = 0; t < 3000; t++) {
      const offset = t % 4;
      const len = Math.floor(rand() * 120);
      const b = backing.subarray(offset, offset + len);
      for (let k = 0; k < len; k++) b[k] = 0x20 + Math.floor(rand() * 95);
      const at = Math.floor(rand() * (len + 1));
      if (at < len) b[at] = bad[t % bad.length] as number;
      expect(nextNonPrintable(b, 0, len)).toBe(Math.min(at, len));
      if (at > 2) expect(nextNonPrintable(b, 2, at)).toBe(at);
    }
  });

  test("afterLines counts stretches at once exactly as byte by byte (seeded)", () => {
    // The definition: every byte but LF and CR prints one cell (wrapping past the last column).
    const reference = (chunks: Uint8Array[], from: number, x0: number, s: ElisionStart) => {
      const all = Buffer.concat(chunks);
      let x = x0;
      let lines = 0;
      let screen = -1;
      for (let i = from; i < all.length; i++) {
        const byte = all[i];
        if (byte === 10) {
          if (s.convertEol) x = 0;
          if (x >= s.cols) x = s.cols - 1;
          lines++;
        } else if (byte === 13) x = 0;
        else {
          if (x >= s.cols) {
            x = 0;
            lines++;
          }
          x++;
        }
        if (screen < 0 && lines >= s.rows) screen = i + 1;
        if (lines >= s.capacity) return { screen, buffer: i + 1 };
      }
      return { screen: screen < 0 ? all.length : screen, buffer: all.length };
    };
    const rand = mulberry32(11);
    for (let t = 0; t < 2000; t++) {
      const cols = 2 + Math.floor(rand() * 12);
      const rows = 1 + Math.floor(rand() * 5);
      const s: ElisionStart = {
        cols,
        rows,
        capacity: rows + Math.floor(rand() * 8),
        x: 0,
        y: rows - 1,
        convertEol: rand() < 0.3,
      };
      const len = Math.floor(rand() * 300);
      const bytes = new Uint8Array(len);
      const lineish = rand();
      for (let k = 0; k < len; k++) {
        const r = rand();
        bytes[k] = r < lineish * 0.1 ? 10 : r < lineish * 0.2 ? 13 : 0x61 + Math.floor(rand() * 26);
      }
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < len; ) {
        const n = 1 + Math.floor(rand() * 80);
        chunks.push(t % 2 ? bytes.subarray(at, at + n) : Buffer.from(bytes.subarray(at, at + n)));
        at += n;
      }
      const from = Math.floor(rand() * (len + 1));
      const x = Math.floor(rand() * (cols + 1));
      expect(afterLines(chunks, from, x, s)).toEqual(reference(chunks, from, x, s));
    }
  });

  test("splitChunks splits across chunk boundaries without copying", () => {
    const a = enc.encode("abc");
    const b = enc.encode("def");
    const [before, after] = splitChunks([a, b], 4);
    expect(before.map((c) => new TextDecoder().decode(c))).toEqual(["abc", "d"]);
    expect(after.map((c) => new TextDecoder().decode(c))).toEqual(["ef"]);
    expect(before[1]?.buffer).toBe(b.buffer);
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
