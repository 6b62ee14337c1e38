import { afterEach, describe, expect, test } from "vitest";
import { _coolPool, _warmPool, REGION_BYTES, SharedBatch } from "../src/server/terminal/shared-join.js";
import { ChunkBatch } from "../src/server/terminal/write-backlog.js";

/** A ChunkBatch whose flushes are recorded as the shared batches they hand on (copied, then released). */
function recorder() {
  const flushed: Array<{ bytes: string; sameMemoryAs: (b: SharedBatch) => boolean }> = [];
  const batch: ChunkBatch = new ChunkBatch(() => {
    const taken = batch.takeShared();
    if (!taken) return;
    const data = taken.batch.data;
    flushed.push({
      bytes: data.toString("latin1"),
      sameMemoryAs: (b) => data.buffer === b.data.buffer,
    });
    taken.release();
  });
  return { batch, flushed };
}

/** Writes `text` at the end of a region's used part, as the PTY's drain does; returns the chunk. */
function fill(region: { batch: SharedBatch; at: number }, text: string): Buffer {
  const start = region.at;
  region.at += region.batch.data.write(text, start, "latin1");
  return region.batch.data.subarray(start, region.at);
}

describe("ChunkBatch over a drained region", () => {
  afterEach(_coolPool);

  test("back-to-back chunks of one region are handed on as a view of it, not a copy", () => {
    _warmPool(0);
    const region = { batch: SharedBatch.region(), at: 0 };
    const { batch, flushed } = recorder();
    batch.push(fill(region, "a".repeat(3000)), region.batch);
    batch.push(fill(region, "b".repeat(5000)), region.batch);
    batch.push(fill(region, "c".repeat(2000)), region.batch);
    const taken = batch.takeShared();
    expect(taken?.bytes).toBe(10_000);
    expect(taken?.batch.data.buffer).toBe(region.batch.data.buffer);
    expect(taken?.batch.data.byteOffset).toBe(0);
    expect(taken?.batch.data.toString("latin1")).toBe(`${"a".repeat(3000)}${"b".repeat(5000)}${"c".repeat(2000)}`);
    taken?.release();
    expect(flushed).toEqual([]);
  });

  test("a view keeps its region from being refilled until its hold is let go", () => {
    _warmPool(0);
    const region = { batch: SharedBatch.region(), at: 0 };
    const writer = region.batch.hold(); // the PTY's own hold while it drains into the region
    const { batch } = recorder();
    batch.push(fill(region, "x".repeat(40_000)), region.batch);
    const taken = batch.takeShared();
    writer(); // the PTY moved on
    expect(SharedBatch.region().data.buffer).not.toBe(region.batch.data.buffer);
    taken?.release();
    expect(SharedBatch.region().data.buffer).toBe(region.batch.data.buffer);
  });

  test("a chunk of a new region first hands on what lies in the last one: a batch never spans two", () => {
    _warmPool(0);
    const one = { batch: SharedBatch.region(), at: REGION_BYTES - 1000 };
    const two = { batch: SharedBatch.region(), at: 0 };
    const { batch, flushed } = recorder();
    batch.push(fill(one, "1".repeat(1000)), one.batch);
    batch.push(fill(two, "2".repeat(500)), two.batch);
    expect(flushed.map((f) => f.bytes)).toEqual(["1".repeat(1000)]);
    expect(flushed[0]?.sameMemoryAs(one.batch)).toBe(true);
    const taken = batch.takeShared();
    expect(taken?.batch.data.toString("latin1")).toBe("2".repeat(500));
    expect(taken?.batch.data.buffer).toBe(two.batch.data.buffer);
    taken?.release();
  });

  test("a gap in the region, or a chunk of memory of its own, makes the batch a join of its parts", () => {
    _warmPool(0);
    const region = { batch: SharedBatch.region(), at: 0 };
    const gap = recorder();
    gap.batch.push(fill(region, "a".repeat(20_000)), region.batch);
    region.at += 10; // bytes some other reader took
    gap.batch.push(fill(region, "b".repeat(20_000)), region.batch);
    const joined = gap.batch.takeShared();
    expect(joined?.batch.data.buffer).not.toBe(region.batch.data.buffer);
    expect(joined?.batch.data.toString("latin1")).toBe(`${"a".repeat(20_000)}${"b".repeat(20_000)}`);
    joined?.release();

    const mixed = recorder();
    mixed.batch.push(fill(region, "c".repeat(20_000)), region.batch);
    mixed.batch.push(Buffer.from("own memory"));
    const both = mixed.batch.takeShared();
    expect(both?.batch.data.buffer).not.toBe(region.batch.data.buffer);
    expect(both?.batch.data.toString("latin1")).toBe(`${"c".repeat(20_000)}own memory`);
    both?.release();
  });
});
