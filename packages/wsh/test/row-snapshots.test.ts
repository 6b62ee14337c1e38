import { describe, expect, test } from "vitest";
import { Emulator, type ScreenChanges } from "../src/server/index.js";
import { packedCells, RowSnapshots } from "../src/server/terminal/row-snapshots.js";

const enc = new TextEncoder();

/** Feeds the chunks, waits until parsed and scanned, and returns the rows the scan reported changed. */
async function changedAfter(e: Emulator, seen: ScreenChanges[], ...chunks: string[]): Promise<number[]> {
  seen.length = 0;
  for (const c of chunks) e.write(enc.encode(c));
  await e.settled();
  return seen.flatMap((c) => c.changedRows);
}

function setup() {
  const e = new Emulator({ cols: 20, rows: 4, scrollback: 100 });
  const seen: ScreenChanges[] = [];
  e.onChanges((c) => seen.push(c));
  return { e, seen };
}

describe("change scans skip rows whose cells did not change", () => {
  test("only the row that changed is reported, and its text is current", async () => {
    const { e, seen } = setup();
    expect(await changedAfter(e, seen, "one\r\ntwo\r\nthree")).toEqual([0, 1, 2]);
    expect(await changedAfter(e, seen, "\x1b[2;1Htwo!")).toEqual([1]);
    expect(e.screen("plain").lines.slice(0, 3)).toEqual(["one", "two!", "three"]);
    // Rewriting a row with the same cells changes nothing.
    expect(await changedAfter(e, seen, "\x1b[1;1Hone")).toEqual([]);
  });

  test("a change of colour alone (same text) is a change", async () => {
    const { e, seen } = setup();
    await changedAfter(e, seen, "abc");
    expect(await changedAfter(e, seen, "\r\x1b[31mabc\x1b[0m")).toEqual([0]);
    expect(e.screen("styled").lines[0]).toEqual([{ text: "abc", fg: { indexed: 1 } }]);
  });

  test("combined characters (kept beside the cell words) are always compared by rendering", async () => {
    const { e, seen } = setup();
    await changedAfter(e, seen, "e\u0301x");
    // Another combined string in the same cell leaves its content word as it was.
    expect(await changedAfter(e, seen, "\ra\u0308")).toEqual([0]);
    expect(e.screen("plain").lines[0]).toBe("a\u0308x");
  });

  test("a scrolled screen whose rows end up the same reports nothing; a new line at the bottom does", async () => {
    const { e, seen } = setup();
    await changedAfter(e, seen, "x\r\nx\r\nx\r\nx");
    expect(await changedAfter(e, seen, "\r\nx")).toEqual([]);
    expect(await changedAfter(e, seen, "\r\ny")).toEqual([3]);
    expect(e.screen("plain").lines).toEqual(["x", "x", "x", "y"]);
  });

  test("without xterm's packed cells every row counts as changed (another xterm version)", () => {
    const snapshots = new RowSnapshots();
    expect(packedCells(undefined)).toBeUndefined();
    const foreign = { length: 2, translateToString: () => "" } as never;
    snapshots.remember(0, foreign);
    expect(snapshots.unchanged(0, foreign)).toBe(false);
  });
});
