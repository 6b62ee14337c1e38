/**
 * The clock and timers the server uses, injectable so tests can drive time. The defaults look the
 * globals up on every call, so vitest's fake timers (which patch the globals) work too.
 */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** A running table keeps the process alive (like a listening server); `stop()`/`close()` clear everything. */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

/** Durations the table and handler wait, all in ms. */
export interface TableTimings {
  /** Pause after a round before the next one opens. Default 2000. */
  roundPauseMs: number;
  /** How long betting stays open for seated humans once at least one bet is in. Default 10000. */
  bettingTimeMs: number;
  /**
   * How long an open round waits for a first bet while a connected human could bet; then it is abandoned
   * (ROUND_ENDED with no results) and the next round opens. Default 30000.
   */
  betDeadlineMs: number;
  /** How long a human has to answer an action_request before PLAYER_TIMEOUT and the default action. Default 30000. */
  decisionTimeoutMs: number;
  /** How long a disconnected human keeps the seat for a reconnect. Default 60000. */
  seatHoldMs: number;
  /**
   * How long a decision waits for an owner whose connection dropped mid-turn (a reconnect with the resume
   * token gets the request again) before it is answered with its default. An explicit `disconnect` or
   * `leave` answers it at once. Default 5000.
   */
  disconnectGraceMs: number;
}

export const DEFAULT_TIMINGS: TableTimings = {
  roundPauseMs: 2000,
  bettingTimeMs: 10_000,
  betDeadlineMs: 30_000,
  decisionTimeoutMs: 30_000,
  seatHoldMs: 60_000,
  disconnectGraceMs: 5000,
};
