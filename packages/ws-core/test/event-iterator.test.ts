import { describe, expect, test } from "vitest";
import { Emitter, eventIterator } from "../src/index.js";

type Events = { value: number; end: undefined };

function source() {
  const e = new Emitter<Events>();
  const it = (o: { limit?: number; signal?: AbortSignal; ended?: boolean } = {}) =>
    eventIterator<number>({
      subscribe: (push) => e.on("value", push),
      onEnd: (end) => e.on("end", end),
      ...o,
    });
  return { e, it };
}

describe("eventIterator", () => {
  test("yields values in order and ends with the source, unsubscribing", async () => {
    const { e, it } = source();
    const iter = it();
    e.emit("value", 1);
    e.emit("value", 2);
    e.emit("end", undefined);
    const seen: number[] = [];
    for await (const v of iter) seen.push(v);
    expect(seen).toEqual([1, 2]);
    expect(e.listenerCount("value")).toBe(0);
    expect(e.listenerCount("end")).toBe(0);
  });

  test("break and abort both unsubscribe; a bounded buffer drops the oldest", async () => {
    const { e, it } = source();
    const limited = it({ limit: 2 });
    for (const v of [1, 2, 3]) e.emit("value", v);
    expect(limited.dropped).toBe(1);
    for await (const v of limited) {
      expect(v).toBe(2);
      break;
    }
    const ac = new AbortController();
    const aborted = it({ signal: ac.signal });
    ac.abort();
    expect(await aborted.next()).toEqual({ value: undefined, done: true });
    expect(e.listenerCount("value")).toBe(0);
  });

  test("an already-ended source gives an empty iterator", async () => {
    const { e, it } = source();
    expect(await it({ ended: true }).next()).toEqual({ value: undefined, done: true });
    expect(e.listenerCount("value")).toBe(0);
  });
});
