import { disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import {
  _coolPool,
  _warmPool,
  POOLED_BYTES,
  poolStats,
  pooledSize,
  SharedBatch,
} from "../src/server/terminal/shared-join.js";
import { lineText } from "../src/protocol/screen.js";
import { input, screenText, startShell, wsBase, numberedLines } from "./helpers.js";

afterEach(disposeLeftovers);

const LINES = 1_000_000;

/** A /ws/raw client that keeps every byte after its repaint (the first frame). */
async function rawClient(
  url: string,
): Promise<{ ws: WebSocket; bytes: () => string; endsWith: (s: string) => boolean }> {
  const ws = new WebSocket(`${url}/ws/raw`);
  trackLeftover(() => ws.terminate());
  const chunks: Buffer[] = [];
  let frames = 0;
  let tail = "";
  const repainted = new Promise<void>((resolve) =>
    ws.on("message", (d: Buffer) => {
      if (frames++ === 0) return resolve();
      chunks.push(Buffer.from(d));
      tail = (tail + d.toString("latin1", Math.max(0, d.length - 64))).slice(-64);
    }),
  );
  await repainted;
  return {
    ws,
    bytes: () => Buffer.concat(chunks).toString("latin1"),
    endsWith: (s) => tail.includes(s), // the prompt may follow
  };
}

describe("flood batches from the shared pool", () => {
  // Free buffers of every size before each flood, kept past the idle trim: the flood's first batches are
  // refilled memory however the machine's load shapes its batches (on a loaded machine the worker may hold
  // every batch of a flood to its end, so none of its own would come back within it).
  beforeEach(() => _warmPool(4));
  afterEach(_coolPool);

  test.each(["worker", "main"] as const)(
    "two /ws/raw clients, one not reading for most of the flood, both get every byte exactly while the pool recycles (%s emulator)",
    { timeout: 120_000 },
    async (emulatorThread) => {
      // The slow client must never be skipped (that would repaint instead): its buffer holds the whole flood.
      const s = await startShell({ emulatorThread, limits: { rawHighWaterMark: 64 * 1024 * 1024 } });
      const url = wsBase(s);
      const fast = await rawClient(url);
      const slow = await rawClient(url);
      // The slow client stops reading: its frames wait in the server's socket, holding their batches.
      const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      const before = { ...poolStats };
      await input(s, `seq 1 ${LINES}; echo EN''D\r`);
      await waitFor(() => fast.endsWith("END\r\n"), { timeoutMs: 100_000, message: "the fast client's END" });
      // The slow client still holds part of the flood, sent from refilled memory.
      const held = Math.max(...[...s.raw.endpoint.connections].map((c) => c.bufferedAmount));
      expect(held).toBeGreaterThan(1024 * 1024);
      expect(poolStats.reused - before.reused).toBeGreaterThan(0);
      socket.resume();
      await waitFor(() => slow.endsWith("END\r\n"), { timeoutMs: 100_000, message: "the slow client's END" });
      const flood = numberedLines(LINES);
      for (const c of [fast, slow]) {
        const text = c.bytes();
        const start = text.indexOf("\r\n1\r\n") + 2;
        expect(start).toBeGreaterThan(1);
        const end = start + flood.length;
        // Compared in slices, so a mismatch names where it is rather than printing megabytes.
        for (let at = start; at < end; at += 64 * 1024) {
          const a = Math.min(end, at + 64 * 1024);
          expect(text.slice(at, a), `bytes ${at - start}..${a - start}`).toBe(flood.slice(at - start, a - start));
        }
        expect(text.slice(end, end + 5)).toBe("END\r\n");
      }
      expect(slow.bytes()).toBe(fast.bytes());
      // The emulator read its batches from the same memory before letting go of them: its screen is the flood's end.
      await s.session.emulator.settled();
      const rows = screenText(s)
        .split("\n")
        .map((l) => l.trimEnd());
      const last = Array.from({ length: 22 }, (_, i) => String(LINES - 21 + i));
      expect(rows).toEqual([...last, "END", "$"]);
    },
  );

  test("the emulator worker parses every batch before its memory is refilled (its whole history matches)", {
    timeout: 120_000,
  }, async () => {
    // No elision and a history longer than the flood: every line the worker parsed is kept and compared.
    // Parsing lags the PTY, so batches the clients are done with go back to the pool while the worker still reads.
    const lines = 200_000;
    const s = await startShell({ floodElision: false, scrollback: lines + 100 });
    const fast = await rawClient(wsBase(s));
    const before = { ...poolStats };
    await input(s, `seq 1 ${lines}; echo EN''D\r`);
    await waitFor(() => fast.endsWith("END\r\n"), { timeoutMs: 100_000, message: "END" });
    await s.session.emulator.settled();
    // The worker parsed refilled memory, and lost nothing.
    expect(poolStats.reused - before.reused).toBeGreaterThan(0);
    const history = await s.session.emulator.readScrollback("plain", 0, lines + 100);
    const text = (history?.lines ?? []).map((l) => lineText(l).trimEnd());
    const start = text.indexOf("1");
    expect(start).toBeGreaterThan(-1);
    const got = text.slice(start, start + lines);
    const wrong = got.findIndex((l, i) => l !== String(i + 1));
    expect(wrong, `line ${wrong + 1}: ${got[wrong]}`).toBe(-1);
    expect(got.length).toBe(lines);
    expect(text[start + lines]).toBe("END");
  });
});

describe("pool sizes and holds", () => {
  // Each test empties the free lists in its own synchronous body: nothing a closed flood let go of late can come between.
  afterEach(_coolPool);

  test("a batch takes the next power of two from 64 KiB to 512 KiB, never more than four times its bytes", () => {
    _warmPool(0);
    expect(pooledSize(1000)).toBe(0); // a keystroke's echo: memory of its own size
    expect(pooledSize(16 * 1024 - 1)).toBe(0);
    expect(pooledSize(16 * 1024)).toBe(64 * 1024);
    expect(pooledSize(64 * 1024)).toBe(64 * 1024);
    expect(pooledSize(64 * 1024 + 1)).toBe(128 * 1024);
    expect(pooledSize(300 * 1024)).toBe(512 * 1024);
    expect(pooledSize(POOLED_BYTES)).toBe(POOLED_BYTES);
    expect(pooledSize(POOLED_BYTES + 1)).toBe(0);
    for (let bytes = 16 * 1024; bytes <= POOLED_BYTES; bytes += 997) {
      const size = pooledSize(bytes);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size).toBeLessThanOrEqual(4 * bytes);
      if (bytes > 64 * 1024) expect(size).toBeLessThan(2 * bytes);
    }
    const small = new SharedBatch(1000);
    expect(small.data.buffer.byteLength).toBe(1000);
    expect(new SharedBatch(20_000).data.buffer.byteLength).toBe(64 * 1024);
  });

  test("memory goes back only when every holder let go, then to the next batch of its size only", () => {
    _warmPool(0);
    const a = new SharedBatch(100 * 1024); // 128 KiB
    const first = a.hold();
    const second = a.hold();
    first();
    first(); // a second call of one release counts once
    const b = new SharedBatch(100 * 1024);
    expect(b.data.buffer).not.toBe(a.data.buffer); // still held by the second holder
    second();
    const other = new SharedBatch(300 * 1024); // another size (512 KiB): other memory
    expect(other.data.buffer).not.toBe(a.data.buffer);
    expect(other.data.buffer.byteLength).toBe(POOLED_BYTES);
    const c = new SharedBatch(90 * 1024); // a's size: a's memory, the last given back
    expect(c.data.buffer).toBe(a.data.buffer);
    expect(c.data.length).toBe(90 * 1024);
    // Memory of its own size is never pooled.
    const own = new SharedBatch(1000);
    own.hold()();
    expect(new SharedBatch(1000).data.buffer).not.toBe(own.data.buffer);
  });

  test("free buffers are capped at 32 MiB", () => {
    _warmPool(0);
    const batches = Array.from({ length: 65 }, () => new SharedBatch(POOLED_BYTES));
    for (const b of batches) b.hold()();
    const before = { ...poolStats };
    const again = Array.from({ length: 65 }, () => new SharedBatch(POOLED_BYTES));
    expect(poolStats.reused - before.reused).toBe(64); // 64 x 512 KiB = 32 MiB kept
    expect(poolStats.created - before.created).toBe(1);
    expect(new Set(again.map((b) => b.data.buffer)).size).toBe(65);
  });
});
