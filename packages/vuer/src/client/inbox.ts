type Waiter<T> = (v: T | null) => void;

/**
 * Received events waiting for `recv()`: bounded in count and in bytes (oldest dropped and counted; the newest
 * is always kept), with timeouts that leave the connection alone, and `null` for every reader once the stream
 * has ended and is drained.
 */
export class Inbox<T> {
  #items: T[] = [];
  #sizes: number[] = [];
  #bytes = 0;
  #waiters = new Set<Waiter<T>>();
  #ended = false;
  dropped = 0;

  constructor(
    private readonly limit: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** `size`: the bytes the item keeps alive (its frame). */
  push(item: T, size = 0): void {
    const w = this.#waiters.values().next();
    if (!w.done) {
      this.#waiters.delete(w.value);
      w.value(item);
      return;
    }
    this.#items.push(item);
    this.#sizes.push(size);
    this.#bytes += size;
    while (this.#items.length > 1 && (this.#items.length > this.limit || this.#bytes > this.maxBytes)) {
      this.#items.shift();
      this.#bytes -= this.#sizes.shift() as number;
      this.dropped++;
    }
  }

  /** No more items will come: waiting readers get null. */
  end(): void {
    this.#ended = true;
    for (const w of this.#waiters) w(null);
    this.#waiters.clear();
  }

  /** A new connection: items may come again. */
  reopen(): void {
    this.#ended = false;
  }

  take(timeoutMs?: number, signal?: AbortSignal): Promise<T | null> {
    if (this.#items.length > 0) {
      this.#bytes -= this.#sizes.shift() as number;
      return Promise.resolve(this.#items.shift() as T);
    }
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        cleanup();
        reject(signal?.reason ?? new Error("aborted"));
      };
      const cleanup = () => {
        this.#waiters.delete(waiter);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter<T> = (v) => {
        cleanup();
        resolve(v);
      };
      this.#waiters.add(waiter);
      if (timeoutMs !== undefined) timer = setTimeout(() => waiter(null), timeoutMs);
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }
}
