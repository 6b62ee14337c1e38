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
const FLOOD_BATCH_BYTES = 64 * 1024;
/** During a flood, the longest a chunk waits for more to join it, ms. */
const FLOOD_DELAY_MS = 1;

/**
 * PTY chunks collected and handed on together by `flush`. A short chunk (a keystroke's echo, a
 * prompt) is flushed right after the I/O phase of the turn it arrived in, so interactive latency
 * is unchanged. Long chunks mean a flood: the PTY hands out about 4 KiB per read, one read per
 * turn, so they are collected for up to FLOOD_DELAY_MS or FLOOD_BATCH_BYTES. Each hand-on costs a
 * socket write (and the kernel's loopback work, mostly per write), a WebSocket frame for every
 * client, or a message to the worker; per 64 KiB instead of per read, a flood costs far less.
 * While collecting, the event loop is kept polling (setImmediate) instead of sleeping: waking a
 * sleeping thread for every read costs more than the polling, on virtual machines especially.
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

  /** Takes what was collected (empty when nothing was); a pending hand-on is cancelled. */
  take(): { parts: Uint8Array[]; bytes: number } {
    const out = { parts: this.parts, bytes: this.bytes };
    this.parts = [];
    this.bytes = 0;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    return out;
  }
}
