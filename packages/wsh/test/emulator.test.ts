import { describe, expect, test } from "vitest";
import { Emulator, type ScreenChanges } from "../src/server/index.js";

const enc = new TextEncoder();

async function feed(e: Emulator, ...chunks: Array<string | Uint8Array>): Promise<void> {
  for (const c of chunks) e.write(typeof c === "string" ? enc.encode(c) : c);
  await e.settled();
}

function recorder(e: Emulator): ScreenChanges[] {
  const seen: ScreenChanges[] = [];
  e.onChanges((c) => seen.push(c));
  return seen;
}

const emu = (cols = 80, rows = 24) => new Emulator({ cols, rows, scrollback: 10_000 });

describe("screen model (upstream parser tests)", () => {
  test("spawn 80x24, cursor at 0,0, blank screen of 24 lines", () => {
    const s = emu().screen("plain");
    expect(s).toMatchObject({
      cols: 80,
      rows: 24,
      total_lines: 24,
      first_line_index: 0,
      epoch: 0,
      alternate_active: false,
    });
    expect(s.cursor).toEqual({ row: 0, col: 0, visible: true });
    expect(s.lines).toHaveLength(24);
  });

  test("processes input onto line 0; line indices are consistent", async () => {
    const e = emu();
    await feed(e, "Hello, World!");
    const s = e.screen("plain");
    expect(s.lines[0]).toBe("Hello, World!");
    expect(s.total_lines).toBe(s.first_line_index + s.lines.length);
  });

  test("cursor movement ESC[5;10H -> row 4, col 9; DECTCEM visibility", async () => {
    const e = emu();
    await feed(e, "\x1b[5;10H");
    expect(e.cursor()).toEqual({ row: 4, col: 9, visible: true });
    await feed(e, "\x1b[?25l");
    expect(e.cursor().visible).toBe(false);
    await feed(e, "\x1b[?25h");
    expect(e.cursor().visible).toBe(true);
  });

  test("styled spans: indexed, 256 and RGB colours, every flag; plain text trimmed", async () => {
    const e = emu();
    await feed(
      e,
      "\x1b[31mRed Text\x1b[0m Normal\r\n",
      "\x1b[1mBold\x1b[0m\r\n",
      "\x1b[38;5;200mP\x1b[48;2;1;2;3mQ\x1b[0m\r\n",
      "\x1b[2mf\x1b[0m\x1b[3mi\x1b[0m\x1b[4mu\x1b[0m\x1b[9ms\x1b[0m\x1b[5mb\x1b[0m\x1b[7mv\x1b[0m\x1b[92mB\x1b[0m\r\n",
    );
    const styled = e.screen("styled").lines;
    expect(styled[0]).toEqual([{ text: "Red Text", fg: { indexed: 1 } }, { text: " Normal" }]);
    expect(styled[1]).toEqual([{ text: "Bold", bold: true }]);
    expect(styled[2]).toEqual([
      { text: "P", fg: { indexed: 200 } },
      { text: "Q", fg: { indexed: 200 }, bg: { rgb: { r: 1, g: 2, b: 3 } } },
    ]);
    expect(styled[3]).toEqual([
      { text: "f", faint: true },
      { text: "i", italic: true },
      { text: "u", underline: true },
      { text: "s", strikethrough: true },
      { text: "b", blink: true },
      { text: "v", inverse: true },
      { text: "B", fg: { indexed: 10 } },
    ]);
    expect(styled[5]).toEqual([]);
    const plain = e.screen("plain").lines;
    expect(plain.slice(0, 2)).toEqual(["Red Text Normal", "Bold"]);
  });

  test("trailing whitespace: default spans trimmed, coloured padding kept", async () => {
    const e = emu(20, 3);
    await feed(e, "$ \r\n", "\x1b[41mab  \x1b[0m   \r\n", "x\x1b[44m\x1b[K");
    const s = e.screen("styled").lines;
    expect(s[0]).toEqual([{ text: "$" }]);
    expect(s[1]).toEqual([{ text: "ab  ", bg: { indexed: 1 } }]);
    expect(s[2]).toEqual([{ text: "x" }, { text: " ".repeat(19), bg: { indexed: 4 } }]);
    expect(e.screen("plain").lines[0]).toBe("$");
  });

  test("wide characters and UTF-8 split across writes", async () => {
    const e = emu(20, 3);
    const bytes = enc.encode("日本 é");
    await feed(e, bytes.slice(0, 2), bytes.slice(2, 5), bytes.slice(5));
    expect(e.screen("plain").lines[0]).toBe("日本 é");
    expect(e.screen("styled").lines[0]).toEqual([{ text: "日本 é" }]);
  });

  test("scrollback: 80x5 after 20 lines -> 21 total, first line 16, /scrollback numbering", async () => {
    const e = emu(80, 5);
    for (let i = 0; i < 20; i++) e.write(enc.encode(`Line ${i}\r\n`));
    await e.settled();
    const s = e.screen("plain");
    expect(s.total_lines).toBe(21);
    expect(s.first_line_index).toBe(16);
    const sb = e.scrollback("plain", 0, 100);
    expect(sb.total_lines).toBe(s.total_lines);
    expect(sb.lines[0]).toBe("Line 0");
    expect(sb.lines[19]).toBe("Line 19");
    expect(e.scrollback("plain", 18, 2).lines).toEqual(["Line 18", "Line 19"]);
    expect(e.scrollback("plain", 500, 10).lines).toEqual([]);
  });

  test("scrollback keeps at most the configured number of lines", async () => {
    const e = new Emulator({ cols: 20, rows: 3, scrollback: 50 });
    for (let i = 0; i < 200; i++) e.write(enc.encode(`${i}\r\n`));
    await e.settled();
    expect(e.screen("plain").total_lines).toBe(53);
    expect(e.scrollback("plain", 0, 1).lines[0]).toBe("148");
  });

  test("alternate screen: total == rows inside, history restored after, mode + reset reported", async () => {
    const e = emu(80, 5);
    const seen = recorder(e);
    for (let i = 0; i < 10; i++) e.write(enc.encode(`L${i}\r\n`));
    await e.settled();
    const before = e.screen("plain").total_lines;
    await feed(e, "\x1b[?1049h\x1b[HALT");
    const alt = e.screen("plain");
    expect(alt).toMatchObject({ alternate_active: true, total_lines: 5, first_line_index: 0 });
    expect(alt.lines[0]).toBe("ALT");
    await feed(e, "\x1b[?1049l");
    expect(e.screen("plain")).toMatchObject({ alternate_active: false, total_lines: before });
    const ds = seen.flatMap((c) => c.discontinuities);
    expect(ds).toEqual([
      { kind: "mode", alternate: true },
      { kind: "reset", reason: "alternate_screen_enter" },
      { kind: "mode", alternate: false },
      { kind: "reset", reason: "alternate_screen_exit" },
    ]);
    expect(e.epoch).toBe(2);
  });

  test("47 / 1047, combined params, enter+exit in one chunk, split sequences", async () => {
    const e = emu(20, 3);
    const seen = recorder(e);
    await feed(e, "\x1b[?47h");
    expect(e.alternateActive).toBe(true);
    await feed(e, "\x1b[?47l\x1b[?6;1047h");
    expect(e.alternateActive).toBe(true);
    await feed(e, "\x1b[?1047l\x1b[?1049h\x1b[?1049l");
    expect(e.alternateActive).toBe(false);
    await feed(e, "\x1b", "[?10", "49", "h");
    expect(e.alternateActive).toBe(true);
    await feed(e, "\x1b[1049l"); // without "?" it is not the DEC mode
    expect(e.alternateActive).toBe(true);
    const modes = seen.flatMap((c) => c.discontinuities).filter((d) => d.kind === "mode");
    expect(modes.map((d) => d.kind === "mode" && d.alternate)).toEqual([true, false, true, false, true, false, true]);
  });

  test("C1 CSI (U+009B) and a sequence fed byte by byte switch the buffer too", async () => {
    const e = emu(20, 3);
    const seen = recorder(e);
    await feed(e, "\u009b?1049h");
    expect(e.alternateActive).toBe(true);
    for (const b of enc.encode("\x1b[?1049l")) await feed(e, new Uint8Array([b]));
    expect(e.alternateActive).toBe(false);
    // A lone 0x9b byte is invalid UTF-8 (the PTY speaks UTF-8), so it is not a CSI.
    await feed(e, new Uint8Array([0x9b, 0x3f, 0x31, 0x30, 0x34, 0x39, 0x68]));
    expect(e.alternateActive).toBe(false);
    const modes = seen.flatMap((c) => c.discontinuities).filter((d) => d.kind === "mode");
    expect(modes.map((d) => d.kind === "mode" && d.alternate)).toEqual([true, false]);
  });

  test("clear screen, clear scrollback, hard reset are reported and bump the epoch", async () => {
    const e = emu(20, 3);
    const seen = recorder(e);
    await feed(e, "a\r\nb\r\nc\r\nd\r\n");
    await feed(e, "\x1b[H\x1b[2J");
    await feed(e, "\x1b[3J");
    expect(e.screen("plain").total_lines).toBe(3);
    await feed(e, "\x1b[?25lX\x1bc");
    const reasons = seen.flatMap((c) => c.discontinuities).map((d) => (d.kind === "reset" ? d.reason : d.kind));
    expect(reasons).toEqual(["clear_screen", "clear_scrollback", "hard_reset"]);
    expect(e.epoch).toBe(3);
    expect(e.screen("plain").lines).toEqual(["", "", ""]);
    expect(e.cursor()).toEqual({ row: 0, col: 0, visible: true });
  });

  test("changed rows and cursor moves are reported per scan", async () => {
    const e = emu(20, 4);
    const seen = recorder(e);
    await feed(e, "one\r\ntwo");
    expect(seen.at(-1)).toEqual({
      discontinuities: [],
      changedRows: [0, 1],
      cursor: { row: 1, col: 3, visible: true },
    });
    await feed(e, "\x1b[31m\x1b[1;1Ho"); // same text, new colour: still a change
    expect(seen.at(-1)?.changedRows).toEqual([0]);
  });

  test("resize reports a reset and changes the dimensions", async () => {
    const e = emu();
    const seen = recorder(e);
    e.resize(120, 40);
    await e.settled();
    expect(e.screen("plain")).toMatchObject({ cols: 120, rows: 40 });
    expect(seen.at(-1)?.discontinuities).toEqual([{ kind: "reset", reason: "resize" }]);
  });

  test("a repaint rebuilds the same screen on a fresh terminal", async () => {
    const e = emu(30, 5);
    for (let i = 0; i < 8; i++) e.write(enc.encode(`\x1b[3${i % 8}mrow ${i}\x1b[0m\r\n`));
    await feed(e, "\x1b[1;4mtail\x1b[0m\x1b[?25l");
    const copy = emu(30, 5);
    await feed(copy, "garbage that the repaint must clear\r\n", e.repaint(100));
    expect({ ...copy.screen("styled"), epoch: 0 }).toEqual({ ...e.screen("styled"), epoch: 0 });
    expect(copy.scrollback("plain", 0, 100).lines).toEqual(e.scrollback("plain", 0, 100).lines);
  });

  test("pauses the producer above the high-water mark and resumes after parsing", async () => {
    const e = new Emulator({ cols: 80, rows: 24, scrollback: 100, highWaterMark: 1000, lowWaterMark: 100 });
    const calls: boolean[] = [];
    e.onBacklog = (p) => calls.push(p);
    for (let i = 0; i < 10; i++) e.write(enc.encode("x".repeat(500)));
    expect(calls).toEqual([true]);
    await e.settled();
    expect(calls).toEqual([true, false]);
    expect(e.pendingBytes).toBe(0);
  });
});
