import { AsyncQueue } from "./async-queue.js";

export interface EventIteratorOptions<T> {
  /** Starts delivering values; returns the unsubscribe. */
  subscribe: (push: (value: T) => void) => () => void;
  /** Calls `end` when the source is finished (e.g. its status became "closed"); returns the unsubscribe. */
  onEnd: (end: () => void) => () => void;
  /** The source has already finished: the iterator ends at once. */
  ended?: boolean;
  /** Buffered values before the oldest is dropped (counted in `dropped`). Default 10,000. */
  limit?: number;
  signal?: AbortSignal;
}

/**
 * Turns an event source into a bounded async iterator that ends with the source, on `signal`, or on
 * `return()` (break), and always unsubscribes: the one pattern every client's `events()` needs.
 */
export function eventIterator<T>(o: EventIteratorOptions<T>): AsyncQueue<T> {
  const q = new AsyncQueue<T>(o.limit ?? 10_000);
  const offs = [o.subscribe((v) => q.push(v)), o.onEnd(() => q.end())];
  const finish = q.return.bind(q);
  q.return = () => {
    for (const off of offs.splice(0)) off();
    return finish();
  };
  if (o.ended || o.signal?.aborted) void q.return();
  o.signal?.addEventListener("abort", () => void q.return(), { once: true });
  return q;
}
