import { waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { PtyProcess } from "../src/server/terminal/pty.js";
import { _coolPool, _warmPool, poolStats, type SharedBatch } from "../src/server/terminal/shared-join.js";

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\r\n`).join("");

/** A PtyProcess that always lends (as with the worker emulator and no `output` listener), recording what it hands on. */
function lendingPty(script: string, onLent: (chunk: Buffer, lent: SharedBatch, pty: PtyProcess) => void = () => {}) {
  const copies: Buffer[] = [];
  const regions: Array<{ region: SharedBatch; holdsAtFirstChunk: number }> = [];
  const pty: PtyProcess = new PtyProcess(
    { command: "/bin/sh", args: ["-c", script], cols: 80, rows: 24 },
    (chunk, lent) => {
      copies.push(Buffer.from(chunk));
      if (!lent) return;
      if (regions[regions.length - 1]?.region !== lent) regions.push({ region: lent, holdsAtFirstChunk: lent.holds });
      onLent(chunk, lent, pty);
    },
    () => true,
  );
  return { pty, regions, text: () => Buffer.concat(copies).toString("latin1") };
}

describe("the PTY reader's regions", () => {
  afterEach(_coolPool);

  test("from a cold pool, a flood nobody holds refills its first region's memory over and over", {
    timeout: 120_000,
  }, async () => {
    _warmPool(0); // empty free lists, kept past the idle trim
    const before = { ...poolStats };
    const lines = 3_000_000; // about 23 MB: many regions
    const f = lendingPty(`seq 1 ${lines}`);
    await f.pty.exited;
    expect(f.text()).toBe(numbered(lines));
    expect(f.regions.length).toBeGreaterThanOrEqual(3);
    // The reader's own hold is the only one on a region it starts filling...
    for (const r of f.regions) expect(r.holdsAtFirstChunk).toBe(1);
    // ...and it lets go on moving on, so the next region is the same memory again: at most the first is new.
    expect(poolStats.created - before.created).toBeLessThanOrEqual(1);
    expect(new Set(f.regions.map((r) => r.region.data.buffer)).size).toBeLessThanOrEqual(2);
    expect(poolStats.regionsOut).toBe(before.regionsOut);
  });

  test("pausing lets go of the open region, and so does a quiet PTY", { timeout: 120_000 }, async () => {
    const before = poolStats.regionsOut;
    const lines = 200_000;
    let atPause: { holds: number; regionsOut: number } | undefined;
    const f = lendingPty(`seq 1 ${lines}; read x; echo got-$x`, (_chunk, lent, pty) => {
      if (atPause) return;
      pty.pause();
      atPause = { holds: lent.holds, regionsOut: poolStats.regionsOut };
      setImmediate(() => pty.resume());
    });
    await waitFor(() => f.text().includes(`\r\n${lines}\r\n`), { timeoutMs: 60_000, message: "the flood's end" });
    // Paused, the reader held its region no longer (nobody else did).
    expect(atPause).toEqual({ holds: 0, regionsOut: before });
    // Reading went on into another region.
    expect(f.regions.length).toBeGreaterThanOrEqual(2);
    // The child now waits for input: once the PTY has been quiet a while, its region is let go too.
    await waitFor(() => poolStats.regionsOut === before, { timeoutMs: 30_000, message: "the idle region let go" });
    expect(f.pty.alive).toBe(true);
    f.pty.write("x\r");
    await f.pty.exited;
    expect(f.text().startsWith(numbered(lines))).toBe(true);
    expect(f.text()).toContain("got-x");
    expect(poolStats.regionsOut).toBe(before);
  });
});
