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
  const offs: Array<() => void> = [];
  let done = false;
  const unsubscribe = () => {
    done = true;
    for (const off of offs.splice(0)) off();
  };
  offs.push(o.subscribe((v) => q.push(v)));
  offs.push(
    o.onEnd(() => {
      // Buffered values stay readable; the source is released at once.
      unsubscribe();
      q.end();
    }),
  );
  if (done) unsubscribe(); // onEnd fired while subscribing
  const finish = q.return.bind(q);
  q.return = () => {
    unsubscribe();
    return finish();
  };
  if (o.ended || o.signal?.aborted) void q.return();
  o.signal?.addEventListener("abort", () => void q.return(), { once: true });
  return q;
}
