import { describe, expect, test } from "vitest";
import { backoffDelay, QueueOverflowError, SendQueue } from "../src/index.js";

describe("backoff", () => {
  const o = { minDelayMs: 100, maxDelayMs: 2000, factor: 2, jitter: 0.5 };

  test("grows exponentially and is capped", () => {
    const noJitter = { ...o, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 10].map((a) => backoffDelay(a, noJitter))).toEqual([
      100, 200, 400, 800, 1600, 2000, 2000,
    ]);
  });

  test("jitter keeps every delay within [base*(1-jitter), base]", () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const base = Math.min(2000, 100 * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, o, () => 0)).toBe(base);
      expect(backoffDelay(attempt, o, () => 1)).toBe(base / 2);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, o);
        expect(d).toBeGreaterThanOrEqual(base / 2);
        expect(d).toBeLessThanOrEqual(base);
      }
    }
  });

  test("jitter spreads clients out", () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(5, o)));
    expect(delays.size).toBeGreaterThan(1);
  });
});

describe("send queue", () => {
  test("refuses past the message count with a typed error", () => {
    const q = new SendQueue({ maxMessages: 2, maxBytes: 1000 });
    q.push("a");
    q.push("b");
    expect(() => q.push("c")).toThrow(QueueOverflowError);
    try {
      q.push("c");
    } catch (e) {
      expect((e as QueueOverflowError).limit).toBe("messages");
    }
    expect(q.drain()).toEqual(["a", "b"]);
    expect(q.length).toBe(0);
  });

  test("refuses past the byte bound, counting UTF-8 bytes", () => {
    const q = new SendQueue({ maxMessages: 100, maxBytes: 10 });
    q.push("ééé"); // 6 bytes
    expect(q.bytes).toBe(6);
    expect(() => q.push(new Uint8Array(5))).toThrow(/bytes/);
    q.push(new Uint8Array(4));
    expect(q.bytes).toBe(10);
  });
});
