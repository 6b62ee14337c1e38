import type { Timers } from "../src/server/index.js";

/** Timers that only move when the test calls `advance` (the clock starts at 1e12 ms). */
export class ManualTimers implements Timers {
  #now = 1e12;
  #seq = 0;
  readonly #due = new Map<number, { at: number; fn: () => void; every?: number }>();

  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#due.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#due.delete(handle as number);
  }
  setInterval(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#due.set(id, { at: this.#now + ms, fn, every: ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.#due.delete(handle as number);
  }

  /** Moves the clock forward, firing whatever falls due, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void; every?: number }] | undefined;
      for (const e of this.#due) if (e[1].at <= target && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      const [id, t] = next;
      this.#now = t.at;
      if (t.every) t.at += t.every;
      else this.#due.delete(id);
      t.fn();
    }
    this.#now = target;
  }
}
