import { TimeoutError } from "../errors.js";

export interface WaitOptions {
  timeoutMs?: number;
  /** How often to re-check a condition, ms. */
  intervalMs?: number;
  message?: string;
}

/** Resolves when `check` returns a truthy value (polled), or rejects with TimeoutError. */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 5000, intervalMs = 5 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new TimeoutError(`${options.message ?? "condition not met"} within ${timeoutMs} ms${why}`, timeoutMs);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves with the first event `subscribe` delivers that `predicate` accepts. */
export function waitForEvent<T>(
  subscribe: (listener: (value: T) => void) => () => void,
  predicate: (value: T) => boolean = () => true,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 5000 } = options;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new TimeoutError(`${options.message ?? "event not seen"} within ${timeoutMs} ms`, timeoutMs));
    }, timeoutMs);
    const off = subscribe((v) => {
      if (!predicate(v)) return;
      clearTimeout(timer);
      off();
      resolve(v);
    });
  });
}
