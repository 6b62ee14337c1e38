export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  minDelayMs?: number;
  /** Upper bound of any delay, ms. */
  maxDelayMs?: number;
  /** Growth per attempt. */
  factor?: number;
  /**
   * Fraction of the delay that is randomised (0 = none, 1 = full jitter). With 0.5 a delay of d
   * lands in [d/2, d], so clients reconnecting after a restart spread out instead of stampeding.
   */
  jitter?: number;
}

export const backoffDefaults: Required<BackoffOptions> = {
  minDelayMs: 500,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
};

/** Delay before retry number `attempt` (1-based): min*factor^(attempt-1), capped, then jittered down. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const o = { ...backoffDefaults, ...options };
  const base = Math.min(o.maxDelayMs, o.minDelayMs * o.factor ** Math.max(0, attempt - 1));
  const jitter = Math.min(1, Math.max(0, o.jitter));
  return Math.round(base * (1 - jitter * random()));
}
