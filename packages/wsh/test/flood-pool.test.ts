import { disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { poolStats } from "../src/server/terminal/shared-join.js";
import { lineText } from "../src/protocol/screen.js";
import { input, screenText, startShell, wsBase } from "./helpers.js";

afterEach(disposeLeftovers);

const LINES = 1_000_000;
const numbered = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\r\n`).join("");

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
      // While the slow client still held part of the flood, the others' batches went back to the pool and out again.
      const held = Math.max(...[...s.raw.endpoint.connections].map((c) => c.bufferedAmount));
      expect(held).toBeGreaterThan(1024 * 1024);
      expect(poolStats.reused - before.reused).toBeGreaterThan(0);
      socket.resume();
      await waitFor(() => slow.endsWith("END\r\n"), { timeoutMs: 100_000, message: "the slow client's END" });
      const flood = numbered(LINES);
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
    // The flood's batches came from the pool. Whether one was refilled within this flood depends on the worker
    // keeping up (on a loaded machine it holds every batch to the end: CI saw no reuse here), so reuse is the
    // raw-clients test's to prove; this one proves the worker lost nothing whenever it happened.
    expect(poolStats.reused + poolStats.created - (before.reused + before.created)).toBeGreaterThan(0);
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
