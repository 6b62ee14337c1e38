/**
 * Bytes written to an emulator but not parsed yet, with watermarks: past `highWaterMark` the producer
 * (the PTY) is asked to pause, below `lowWaterMark` to resume. Shared by both emulator modes.
 */
export class WriteBacklog {
  pending = 0;
  #paused = false;

  constructor(
    readonly highWaterMark: number,
    readonly lowWaterMark: number,
    private readonly onBacklog: (pause: boolean) => void,
  ) {}

  added(bytes: number): void {
    this.pending += bytes;
    if (!this.#paused && this.pending > this.highWaterMark) {
      this.#paused = true;
      this.onBacklog(true);
    }
  }

  parsed(bytes: number): void {
    this.pending -= bytes;
    if (this.#paused && this.pending < this.lowWaterMark) this.release();
  }

  /** Lets the producer go regardless of the backlog (the emulator is gone). */
  release(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.onBacklog(false);
  }
}

/** A PTY read at least this long means more output is probably waiting: a flood. */
const FLOOD_CHUNK = 1024;
/** During a flood, the most bytes collected before they are handed on. */
const FLOOD_BATCH_BYTES = 256 * 1024;
/** During a flood, the longest a chunk waits for more to join it, ms. */
const FLOOD_DELAY_MS = 2;
/** After a flood's batch was handed on, how long the event loop keeps polling for the next read, ms. */
const FLOOD_POLL_MS = 2;

/** One poller per thread: until `pollUntil`, a setImmediate chain keeps the event loop from sleeping. */
let pollUntil = 0;
let polling = false;
function poll(): void {
  if (performance.now() < pollUntil) setImmediate(poll);
  else polling = false;
}
function keepPolling(ms: number): void {
  pollUntil = performance.now() + ms;
  if (polling) return;
  polling = true;
  setImmediate(poll);
}

/**
 * For a thread that receives a flood's batches rather than PTY reads (the emulator worker): keeps
 * its event loop polling until the next batch is due. On a virtual machine a halted CPU is slow to
 * wake, and the producer's wake-ups land on whichever CPU is idle; a polling low-priority thread
 * keeps one from halting and yields at once to anything that becomes runnable.
 */
export function pollBetweenBatches(): void {
  keepPolling(FLOOD_DELAY_MS + FLOOD_POLL_MS);
}

/**
 * PTY chunks collected and handed on together by `flush`. A short chunk (a keystroke's echo, a
 * prompt) is flushed right after the I/O phase of the turn it arrived in, so interactive latency
 * is unchanged. Long chunks mean a flood: the PTY hands out about 4 KiB per read, one read per
 * turn, so they are collected for up to FLOOD_DELAY_MS or FLOOD_BATCH_BYTES (a single long read,
 * a screenful say, waits those 2 ms for company). Each hand-on costs a
 * socket write (and the kernel's loopback work, mostly per write), a WebSocket frame for every
 * client, or a message to the worker; per 256 KiB instead of per read, a flood costs far less.
 * While collecting, and for FLOOD_POLL_MS after, the event loop is kept polling (setImmediate)
 * instead of sleeping: waking a sleeping thread for every read costs more than polling does, on
 * virtual machines especially. The polling ends with the flood.
 */
export class ChunkBatch {
  parts: Uint8Array[] = [];
  bytes = 0;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #flood = false;
  #firstAt = 0;
  readonly #run = () => {
    this.#immediate = undefined;
    if (this.#flood && this.bytes < FLOOD_BATCH_BYTES && performance.now() - this.#firstAt < FLOOD_DELAY_MS) {
      this.#immediate = setImmediate(this.#run);
      return;
    }
    if (this.#flood) keepPolling(FLOOD_POLL_MS);
    this.flush();
  };

  constructor(private readonly flush: () => void) {}

  push(chunk: Uint8Array): void {
    if (this.parts.length === 0) {
      this.#firstAt = performance.now();
      this.#flood = true;
    }
    this.parts.push(chunk);
    this.bytes += chunk.length;
    if (chunk.length < FLOOD_CHUNK) this.#flood = false;
    this.#immediate ??= setImmediate(this.#run);
  }

  /** Takes what was collected (empty when nothing was), and whether it was a flood's; a pending hand-on is cancelled. */
  take(): { parts: Uint8Array[]; bytes: number; flood: boolean } {
    const out = { parts: this.parts, bytes: this.bytes, flood: this.#flood && this.parts.length > 0 };
    this.parts = [];
    this.bytes = 0;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    return out;
  }
}
