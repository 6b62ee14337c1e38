// The engines' default clock: epoch seconds (a float) from `Date.now()`, read at most once per `READS_PER_NOW`
// reads within one synchronous run. `Date.now()` costs about 45 ns, and an engine step (a bet, the deal, one
// answer) without it costs well under a microsecond: a simulation loop read it four to five times a hand,
// 13 % of the engine's time with events. The cached value is dropped at the end of the current microtask (the
// first read after a refresh queues one), so a step that runs after an await, a timer or I/O always reads the
// clock afresh; within one synchronous run it is at most `READS_PER_NOW - 1` reads old.

/** Reads served by one `Date.now()` within one synchronous run. */
export const READS_PER_NOW = 16;

let cached = 0;
/** Reads the cached value may still serve (0: read the clock). */
let left = 0;
/** A microtask that drops the cached value is queued. */
let expiring = false;

const schedule: ((task: () => void) => void) | undefined =
  typeof queueMicrotask === "function" ? queueMicrotask : undefined;

/** Seconds since the epoch, as a float, at most `READS_PER_NOW - 1` reads (of this synchronous run) old. */
export function epochSeconds(): number {
  if (left > 0) {
    left--;
    return cached;
  }
  return refresh();
}

function refresh(): number {
  cached = Date.now() / 1000;
  if (schedule === undefined) return cached; // no microtasks: every read reads the clock
  left = READS_PER_NOW - 1;
  if (!expiring) {
    expiring = true;
    schedule(expire);
  }
  return cached;
}

function expire(): void {
  expiring = false;
  left = 0;
}
