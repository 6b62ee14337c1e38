import { type HeldBytes, joinShared, type SharedBatch } from "./shared-join.js";

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

/**
 * PTY chunks collected and handed on together by `flush`. A short chunk (a keystroke's echo, a
 * prompt) is flushed right after the I/O phase of the turn it arrived in, so interactive latency
 * is unchanged. Long chunks mean a flood: the PTY hands out about 4 KiB per read, so they are
 * collected for up to FLOOD_DELAY_MS or FLOOD_BATCH_BYTES. Each hand-on costs a socket write (and
 * the kernel's loopback work, mostly per write), a WebSocket frame for every client, or a message
 * to the worker; per 256 KiB instead of per read, a flood costs far less. While collecting, the
 * thread sleeps on a timer (reads still arrive): it never spins the event loop, which on a machine
 * with few cores would take CPU from the program producing the flood.
 */
export class ChunkBatch {
  parts: Uint8Array[] = [];
  bytes = 0;
  /** Holds on the lent chunks among `parts` (see `PtyProcess`), let go once `takeShared` has joined them. */
  #lent: Array<() => void> = [];
  /**
   * The region every part so far lies in, each right after the one before (a flood drained into it,
   * see `PtyProcess`): `takeShared` hands out a view of it instead of a copy. Null once a part is not.
   */
  #region: SharedBatch | null = null;
  /** Where the next part starts if it continues the region's run. */
  #regionEnd = 0;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flood = false;
  #firstAt = 0;
  readonly #run = () => {
    this.#immediate = undefined;
    if (this.#flood && this.bytes < FLOOD_BATCH_BYTES) {
      // Due FLOOD_DELAY_MS after the first chunk (or at once once full: see push).
      this.#timer ??= setTimeout(this.#due, Math.max(0, FLOOD_DELAY_MS - (performance.now() - this.#firstAt)));
      return;
    }
    this.flush();
  };
  readonly #due = () => {
    this.#timer = undefined;
    this.flush();
  };

  constructor(private readonly flush: () => void) {}

  /** Adds a chunk; a `lent` one is held until joined (`takeShared`). */
  push(chunk: Uint8Array, lent?: SharedBatch): void {
    // The PTY moved on to a new region: what lies in the last one goes now, so a batch stays one view.
    if (lent && this.#region && lent !== this.#region) this.flush();
    if (lent) this.#lent.push(lent.hold());
    if (this.parts.length === 0) {
      this.#firstAt = performance.now();
      this.#flood = true;
      this.#region = lent ?? null;
    } else if (this.#region && (lent !== this.#region || chunk.byteOffset !== this.#regionEnd)) {
      this.#region = null;
    }
    this.#regionEnd = chunk.byteOffset + chunk.length;
    this.parts.push(chunk);
    this.bytes += chunk.length;
    if (chunk.length < FLOOD_CHUNK) this.#flood = false;
    if (this.bytes >= FLOOD_BATCH_BYTES && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#immediate ??= setImmediate(this.#run);
  }

  /**
   * Takes what was collected (empty when nothing was), and whether it was a flood's: its last read
   * was long, so more output is probably waiting (a busy flood has a short read now and then, and
   * its last read is usually short); a pending hand-on is cancelled.
   */
  take(): { parts: Uint8Array[]; bytes: number; flood: boolean } {
    const last = this.parts[this.parts.length - 1];
    const flood = last !== undefined && last.length >= FLOOD_CHUNK;
    const out = { parts: this.parts, bytes: this.bytes, flood };
    this.parts = [];
    this.bytes = 0;
    this.#region = null;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    return out;
  }
  /**
   * `take()` as one buffer in shared memory, with a hold for the caller: a view of the region the
   * parts lie in, or else their join (see joinShared). The lent chunks' holds are let go, as the
   * caller's hold now keeps their bytes. Undefined when nothing was collected.
   */
  takeShared(): { batch: HeldBytes; release: () => void; bytes: number; flood: boolean } | undefined {
    const region = this.#region;
    const { parts, bytes, flood } = this.take();
    if (parts.length === 0) return undefined;
    const { batch, release } = region ? viewOf(region, parts[0] as Uint8Array, bytes) : joinShared(parts, bytes);
    const lent = this.#lent;
    this.#lent = [];
    for (const letGo of lent) letGo();
    return { batch, release, bytes, flood };
  }
}

/** The `bytes` of `region` from where `first` starts, with a hold. */
function viewOf(region: SharedBatch, first: Uint8Array, bytes: number): { batch: HeldBytes; release: () => void } {
  const start = first.byteOffset - region.data.byteOffset;
  const batch = region.view(start, start + bytes);
  return { batch, release: batch.hold() };
}
