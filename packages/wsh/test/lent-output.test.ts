import { afterEach, describe, expect, test } from "vitest";
import { TerminalSession } from "../src/server/terminal/session.js";
import { _coolPool, _warmPool, poolStats, type SharedBatch } from "../src/server/terminal/shared-join.js";
import { numberedLines } from "./helpers.js";

const N = 1_000_000;

/** A session flooding `seq 1 N`, with a lent-output listener that copies every chunk as it comes. */
function flood(withOutputListener: boolean, ptyReader: "thread" | "loop") {
  const session = new TerminalSession({
    command: "/bin/sh",
    args: ["-c", `seq 1 ${N}`],
    emulatorThread: "worker",
    ptyReader,
  });
  const copies: Buffer[] = [];
  const held: Array<{ chunk: Buffer; copy: Buffer; letGo: () => void }> = [];
  let lentChunks = 0;
  let last: { lent: SharedBatch; end: number } | undefined;
  /** Lent chunks that did not start where the previous one of their region ended. */
  let gaps = 0;
  session.onLentOutput((chunk: Buffer, lent: SharedBatch | undefined) => {
    const copy = Buffer.from(chunk);
    copies.push(copy);
    if (!lent) return;
    lentChunks++;
    // A chunk lies in its region's memory, right after the previous chunk of that region.
    if (chunk.buffer !== lent.data.buffer || (last?.lent === lent && chunk.byteOffset !== last.end)) gaps++;
    last = { lent, end: chunk.byteOffset + chunk.length };
    // Every other lent chunk is kept to the end under a hold; the others may be refilled at once.
    if (lentChunks % 2 === 0) held.push({ chunk, copy, letGo: lent.hold() });
  });
  const outputs: Buffer[] = [];
  if (withOutputListener) session.events.on("output", (chunk) => outputs.push(chunk));
  return { session, copies, held, outputs, lent: () => lentChunks, gaps: () => gaps };
}

describe.each(["thread", "loop"] as const)("PTY output lent from the pool (%s reader)", (ptyReader) => {
  afterEach(_coolPool);

  test("lent chunks arrive exactly and in order, and a held one is never refilled", { timeout: 120_000 }, async () => {
    // Free buffers of every size first (as in flood-pool.test.ts): drains land in refilled memory whatever the load.
    _warmPool(4);
    const reused = poolStats.reused;
    const regionsOut = poolStats.regionsOut;
    const f = flood(false, ptyReader);
    await f.session.exited;
    // Memory was refilled during the flood (a region is free again once the emulator parsed it and every hold let go)...
    expect(poolStats.reused).toBeGreaterThan(reused);
    expect(Buffer.concat(f.copies).toString("latin1")).toBe(numberedLines(N));
    // About 6.9 MB, read 4 KiB at a time: drains and the short reads between them go into regions.
    expect(f.lent()).toBeGreaterThan(0);
    // Drained back to back into regions: the raw stream's and the emulator's batches are views, not copies.
    expect(f.gaps()).toBe(0);
    // ...but never one under a hold.
    for (const h of f.held) expect(h.chunk.equals(h.copy)).toBe(true);
    for (const h of f.held) h.letGo();
    // Every hold on a region was let go: the reader's, the emulator's (once parsed) and this test's.
    expect(poolStats.regionsOut).toBe(regionsOut);
  });

  test("with an `output` listener (which keeps chunks as they are) nothing is lent", { timeout: 120_000 }, async () => {
    const f = flood(true, ptyReader);
    await f.session.exited;
    expect(f.lent()).toBe(0);
    expect(Buffer.concat(f.outputs).toString("latin1")).toBe(numberedLines(N));
    expect(f.outputs.every((c) => c.buffer instanceof ArrayBuffer)).toBe(true);
  });
});
