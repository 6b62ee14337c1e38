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

/**
 * Chunks that arrive in one event-loop turn (up to 32 PTY reads), handed on together by `flush` right
 * after the I/O phase: far fewer writes and callbacks during a flood.
 */
export class TickBatch {
  parts: Uint8Array[] = [];
  bytes = 0;

  constructor(private readonly flush: () => void) {}

  push(chunk: Uint8Array): void {
    if (this.parts.length === 0) setImmediate(this.flush);
    this.parts.push(chunk);
    this.bytes += chunk.length;
  }

  /** Takes what was collected (empty when nothing was). */
  take(): { parts: Uint8Array[]; bytes: number } {
    const out = { parts: this.parts, bytes: this.bytes };
    this.parts = [];
    this.bytes = 0;
    return out;
  }
}
