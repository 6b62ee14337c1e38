import { writeSync } from "node:fs";

/** How often input the PTY did not take is tried again, ms. */
const RETRY_MS = 5;

/**
 * Input for a PTY whose master fd is blocking (the reader thread's, see `PtyReaderThread`):
 * each write makes the fd non-blocking for its moment, since a blocking write would stall this
 * thread (or a thread-pool thread) while the program reads no input. The reader thread meets
 * EAGAIN meanwhile and reads again shortly. What the PTY does not take now waits, in order, and is
 * tried again every RETRY_MS.
 */
export class BlockingFdInput {
  #queue: Buffer[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `setBlocking` switches the fd's mode; `keepNonBlocking()` says whether to leave it non-blocking
   * after a write (the reader thread is stopping).
   */
  constructor(
    private readonly fd: number,
    private readonly setBlocking: (blocking: boolean) => void,
    private readonly keepNonBlocking: () => boolean,
  ) {}

  /** Queues `buf` (kept as it is: pass memory of its own) and writes what the PTY takes now. */
  write(buf: Buffer): void {
    this.#queue.push(buf);
    if (this.#queue.length === 1) this.#flush();
  }

  /** Drops what waits (the child has gone). */
  clear(): void {
    this.#queue = [];
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #flush = () => {
    this.#timer = undefined;
    const queue = this.#queue;
    this.setBlocking(false);
    try {
      while (queue.length > 0) {
        const head = queue[0] as Buffer;
        const n = writeSync(this.fd, head);
        if (n < head.length) {
          queue[0] = head.subarray(n);
          break;
        }
        queue.shift();
      }
    } catch (err) {
      if ((err as { code?: string }).code !== "EAGAIN") queue.length = 0; // EIO: the child has gone
    } finally {
      if (!this.keepNonBlocking()) this.setBlocking(true);
    }
    if (queue.length > 0) {
      this.#timer = setTimeout(this.#flush, RETRY_MS);
      this.#timer.unref?.();
    }
  };
}
