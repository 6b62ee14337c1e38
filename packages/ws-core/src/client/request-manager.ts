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
  /** When it times out (`performance.now()` ms), Infinity for none. */
  deadline: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

const now = () => performance.now();

/**
 * Correlates requests with their responses by id (tRPC's RequestManager idea): each pending request
 * has a timeout and an AbortSignal, and all of them fail at once when the connection closes.
 *
 * The hot path allocates one promise and one record per request: timeouts share a single timer per
 * manager, armed for the earliest deadline, instead of a `setTimeout`/`clearTimeout` pair per request.
 */
export class RequestManager<T = unknown> {
  #pending = new Map<RequestId, Pending<T>>();
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline the timer is armed for (Infinity when none). */
  #timerAt = Number.POSITIVE_INFINITY;

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
  register(id: RequestId, options?: RequestOptions): Promise<T> {
    if (this.#pending.has(id)) return Promise.reject(new TypeError(`duplicate request id ${String(id)}`));
    const timeoutMs = options?.timeoutMs ?? 10_000;
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal));
    return new Promise<T>((resolve, reject) => {
      const deadline = timeoutMs > 0 ? now() + timeoutMs : Number.POSITIVE_INFINITY;
      const p: Pending<T> = { resolve, reject, deadline, timeoutMs, signal, onAbort: undefined };
      this.#pending.set(id, p);
      if (signal) {
        p.onAbort = () => this.fail(id, abortErrorFrom(signal));
        signal.addEventListener("abort", p.onAbort, { once: true });
      }
      if (deadline < this.#timerAt) this.#arm(deadline);
      else if (this.#pending.size === 1) refTimer(this.#timer, true);
    });
  }

  /** Settles a pending request; returns false when nothing waits on `id` (late or unknown response). */
  settle(id: RequestId, value: T): boolean {
    const p = this.#take(id);
    if (!p) return false;
    p.resolve(value);
    return true;
  }

  fail(id: RequestId, error: unknown): boolean {
    const p = this.#take(id);
    if (!p) return false;
    p.reject(error);
    return true;
  }

  /** Rejects every pending request (the connection closed). */
  failAll(error: ConnectionClosedError | Error): number {
    const ids = [...this.#pending.keys()];
    for (const id of ids) this.fail(id, error);
    return ids.length;
  }

  #take(id: RequestId): Pending<T> | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    if (p.onAbort) p.signal?.removeEventListener("abort", p.onAbort);
    // The timer stays armed (a settled request's deadline wakes it once, and it re-arms for the next one):
    // arming and clearing per request is what this avoids. Idle, it must not keep Node's process alive.
    if (this.#pending.size === 0) refTimer(this.#timer, false);
    return p;
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, Math.ceil(at - now())));
  }

  /** Fails every request past its deadline, then re-arms for the earliest one left. */
  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const t = now();
    let next = Number.POSITIVE_INFINITY;
    const expired: Array<[RequestId, Pending<T>]> = [];
    for (const [id, p] of this.#pending) {
      if (p.deadline <= t) expired.push([id, p]);
      else if (p.deadline < next) next = p.deadline;
    }
    for (const [id, p] of expired) {
      this.fail(id, new TimeoutError(`request ${String(id)} timed out after ${p.timeoutMs} ms`, p.timeoutMs));
    }
    if (next < this.#timerAt && this.#pending.size > 0) this.#arm(next);
  }
}

/** Node's timers hold the process open unless unref'd; browsers' numeric timers have no such notion. */
function refTimer(t: ReturnType<typeof setTimeout> | undefined, ref: boolean): void {
  const h = t as { ref?: () => void; unref?: () => void } | undefined;
  if (typeof h === "object") ref ? h.ref?.() : h.unref?.();
}
