import { disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import type { PtyProcess } from "../src/server/terminal/pty.js";
import { _coolPool, _warmPool, poolStats, type SharedBatch } from "../src/server/terminal/shared-join.js";
import { numberedLines, ptyRun } from "./helpers.js";

afterEach(disposeLeftovers);

/** A PtyProcess that always lends (as with the worker emulator and no `output` listener), recording the regions it lends. */
function lendingPty(
  readerThread: boolean,
  script: string,
  onLent: (chunk: Buffer, lent: SharedBatch, pty: PtyProcess) => void = () => {},
) {
  const regions: Array<{ region: SharedBatch; holdsAtFirstChunk: number }> = [];
  const run = ptyRun(script, {
    readerThread,
    lend: true,
    onChunk: (chunk, lent, pty) => {
      if (!lent) return;
      if (regions[regions.length - 1]?.region !== lent) regions.push({ region: lent, holdsAtFirstChunk: lent.holds });
      onLent(chunk, lent, pty);
    },
  });
  return { ...run, regions };
}

describe.each([
  ["loop", false],
  ["thread", true],
] as const)("the PTY reader's regions (%s reader)", (_mode, readerThread) => {
  afterEach(_coolPool);

  test("from a cold pool, a flood nobody holds refills its first region's memory over and over", {
    timeout: 120_000,
  }, async () => {
    _warmPool(0); // empty free lists, kept past the idle trim
    const before = { ...poolStats };
    const lines = 3_000_000; // about 23 MB: many regions
    const f = lendingPty(readerThread, `seq 1 ${lines}`);
    await f.pty.exited;
    expect(f.text()).toBe(numberedLines(lines));
    expect(f.regions.length).toBeGreaterThanOrEqual(3);
    // The reader's own hold is the only one on a region it starts filling...
    for (const r of f.regions) expect(r.holdsAtFirstChunk).toBe(1);
    // ...and it lets go on moving on, so later regions are the same memory again: at most the first is new
    // (the reader thread asks for its next region before the current one is full: at most two).
    const fresh = readerThread ? 2 : 1;
    expect(poolStats.created - before.created).toBeLessThanOrEqual(fresh);
    expect(new Set(f.regions.map((r) => r.region.data.buffer)).size).toBeLessThanOrEqual(fresh + 1);
    expect(poolStats.regionsOut).toBe(before.regionsOut);
  });

  test("a quiet PTY lets go of its region (the event-loop reader also on pausing)", { timeout: 120_000 }, async () => {
    const before = poolStats.regionsOut;
    const lines = 200_000;
    let atPause: { holds: number; regionsOut: number } | undefined;
    const f = lendingPty(readerThread, `seq 1 ${lines}; read x; echo got-$x`, (_chunk, lent, pty) => {
      if (atPause) return;
      pty.pause();
      atPause = { holds: lent.holds, regionsOut: poolStats.regionsOut };
      setImmediate(() => pty.resume());
    });
    await waitFor(() => f.text().includes(`\r\n${lines}\r\n`), { timeoutMs: 60_000, message: "the flood's end" });
    // Paused, the event loop's reader held its region no longer (nobody else did), and went on in another one.
    // The reader thread keeps its region while paused (a read may be under way into it) until the PTY is quiet.
    if (!readerThread) {
      expect(atPause).toEqual({ holds: 0, regionsOut: before });
      expect(f.regions.length).toBeGreaterThanOrEqual(2);
    } else expect(atPause?.holds).toBe(1);
    // The child now waits for input: once the PTY has been quiet a while, its region is let go too.
    await waitFor(() => poolStats.regionsOut === before, { timeoutMs: 30_000, message: "the idle region let go" });
    expect(f.pty.alive).toBe(true);
    f.pty.write("x\r");
    await f.pty.exited;
    expect(f.text().startsWith(numberedLines(lines))).toBe(true);
    expect(f.text()).toContain("got-x");
    expect(poolStats.regionsOut).toBe(before);
  });
});
