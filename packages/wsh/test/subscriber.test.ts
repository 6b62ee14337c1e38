import type { Connection } from "@proj/ws-core/server";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { type FrameSource, JsonSubscriber } from "../src/server/json-subscriber.js";

function fakeConn() {
  const sent: string[] = [];
  const conn = {
    open: true,
    bufferedAmount: 0,
    backlog: 0,
    send: (s: string) => {
      sent.push(s);
      return "sent";
    },
    whenDrained: (lowWaterMark: number) =>
      new Promise<void>((resolve) => {
        const check = () =>
          conn.bufferedAmount <= lowWaterMark && conn.backlog === 0 ? resolve() : setTimeout(check, 5);
        check();
      }),
  };
  return { conn, sent };
}

function setup(intervalMs: number, events: Array<"diffs" | "lines"> = ["diffs"]) {
  const { conn, sent } = fakeConn();
  let seq = 0;
  const frames: FrameSource = {
    nextSeq: () => ++seq,
    sync: (s) => JSON.stringify({ event: "sync", seq: s }),
    diff: (s, changed) => JSON.stringify({ event: "diff", seq: s, changed_lines: changed }),
  };
  const sub = new JsonSubscriber(conn as unknown as Connection<undefined>, frames, { highWaterMark: 1000 });
  sub.subscribe({ events, intervalMs, format: "plain" });
  const diffs = () => sent.map((m) => JSON.parse(m)).filter((m) => m.event === "diff");
  return { conn, sent, sub, diffs };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("diff batching (interval_ms)", () => {
  test("first change goes out at once, then at most one diff per interval with the union of rows", async () => {
    const { sub, diffs, sent } = setup(100);
    expect(sent.map((m) => Object.keys(JSON.parse(m))[0])).toEqual(["subscribed", "event"]);
    sub.markDirty([1], false);
    await vi.advanceTimersByTimeAsync(0);
    expect(diffs().map((d) => d.changed_lines)).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(10);
    sub.markDirty([5, 2], false);
    await vi.advanceTimersByTimeAsync(40);
    sub.markDirty([2, 7], false);
    await vi.advanceTimersByTimeAsync(40);
    expect(diffs()).toHaveLength(1); // t=90: still inside the window
    await vi.advanceTimersByTimeAsync(10);
    expect(diffs().map((d) => d.changed_lines)).toEqual([[1], [2, 5, 7]]);
    await vi.advanceTimersByTimeAsync(500);
    expect(diffs()).toHaveLength(2); // nothing changed, nothing sent
    sub.markDirty([0], false);
    await vi.advanceTimersByTimeAsync(0);
    expect(diffs().map((d) => d.changed_lines)).toEqual([[1], [2, 5, 7], [0]]);
    const seqs = diffs().map((d) => d.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  test("interval_ms 0: one diff per batch", async () => {
    const { sub, diffs } = setup(0);
    for (const rows of [[1], [2], [3]]) {
      sub.markDirty(rows, false);
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(diffs().map((d) => d.changed_lines)).toEqual([[1], [2], [3]]);
  });

  test("a sync in the batch supersedes rows changed before it", async () => {
    const { sub, diffs } = setup(100);
    sub.markDirty([1], false);
    await vi.advanceTimersByTimeAsync(0);
    sub.markDirty([4], false);
    sub.markDirty([], true);
    await vi.advanceTimersByTimeAsync(200);
    expect(diffs().map((d) => d.changed_lines)).toEqual([[1]]);
  });

  test("subscribers without diffs get none", async () => {
    const { sub, diffs } = setup(0, ["lines"]);
    sub.markDirty([1], false);
    await vi.advanceTimersByTimeAsync(10);
    expect(diffs()).toEqual([]);
  });
});

describe("lagging subscriber", () => {
  test("skips terminal events past the mark, then gets a sync and the pending diff once drained", async () => {
    const { conn, sub, sent } = setup(0, ["diffs", "lines"]);
    conn.bufferedAmount = 5000;
    sub.sendTerminal('{"event":"line","seq":1}');
    sub.markDirty([3], false);
    await vi.advanceTimersByTimeAsync(50);
    expect(sub.lagging).toBe(true);
    expect(sent.some((m) => m.includes('"line"'))).toBe(false);
    expect(sent.some((m) => m.includes('"diff"'))).toBe(false);
    conn.bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(50);
    expect(sub.lagging).toBe(false);
    expect(sub.lagResyncs).toBe(1);
    const after = sent.slice(2).map((m) => JSON.parse(m));
    expect(after[0]).toMatchObject({ event: "sync" });
    expect(after[0].seq).toBeGreaterThan(0);
    // The sync covers the rows that changed while lagging.
    expect(after.filter((m) => m.event === "diff")).toEqual([]);
    sub.sendTerminal('{"event":"line","seq":9}');
    expect(sent.at(-1)).toBe('{"event":"line","seq":9}');
  });
});
