import { type ConnectionClosedError, TimeoutError } from "../errors.js";
import { abortErrorFrom } from "../util/abort.js";

export type RequestId = string | number;

export interface RequestOptions {
  /** Reject with `TimeoutError` after this long. Default 10000 ms; 0 disables. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/**
 * Correlates requests with their responses by id (tRPC's RequestManager idea): each pending request
 * has a timeout and an AbortSignal, and all of them fail at once when the connection closes.
 */
export class RequestManager<T = unknown> {
  #pending = new Map<RequestId, Pending<T>>();
  #seq = 0;

  /** A fresh id, unique within this manager. */
  nextId(): string {
    this.#seq = (this.#seq + 1) % Number.MAX_SAFE_INTEGER;
    return String(this.#seq);
  }

  has(id: RequestId): boolean {
    return this.#pending.has(id);
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Registers `id` and returns the promise its response settles. */
  register(id: RequestId, options: RequestOptions = {}): Promise<T> {
    if (this.#pending.has(id)) return Promise.reject(new TypeError(`duplicate request id ${String(id)}`));
    const { timeoutMs = 10_000, signal } = options;
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal));
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => this.fail(id, abortErrorFrom(signal as AbortSignal));
      const cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#pending.delete(id);
      };
      this.#pending.set(id, { resolve, reject, cleanup });
      if (timeoutMs > 0) {
        timer = setTimeout(
          () => this.fail(id, new TimeoutError(`request ${String(id)} timed out after ${timeoutMs} ms`, timeoutMs)),
          timeoutMs,
        );
      }
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Settles a pending request; returns false when nothing waits on `id` (late or unknown response). */
  settle(id: RequestId, value: T): boolean {
    const p = this.#pending.get(id);
    if (!p) return false;
    p.cleanup();
    p.resolve(value);
    return true;
  }

  fail(id: RequestId, error: unknown): boolean {
    const p = this.#pending.get(id);
    if (!p) return false;
    p.cleanup();
    p.reject(error);
    return true;
  }

  /** Rejects every pending request (the connection closed). */
  failAll(error: ConnectionClosedError | Error): number {
    const ids = [...this.#pending.keys()];
    for (const id of ids) this.fail(id, error);
    return ids.length;
  }
}
