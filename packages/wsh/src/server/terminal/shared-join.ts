/**
 * Batches of PTY output joined into shared memory, from a pool of reused buffers.
 *
 * The raw stream sends a joined batch to every client and the emulator worker gets the same memory
 * (posting it copies nothing). A fresh SharedArrayBuffer per 256 KiB batch costs a page fault per
 * 4 KiB on first touch (about 16,000 per 64 MiB flood): buffers are reused instead, each going back
 * to the pool only once every holder let go of it (a socket that wrote it, the worker that parsed
 * it). A holder that cannot tell when it is done never lets go: that buffer is left to the garbage
 * collector, never refilled.
 */

/** A pooled buffer's size: a flood batch (256 KiB) plus the drain that may have ended it (up to 256 KiB). */
export const POOLED_BYTES = 512 * 1024;
/** Shorter batches (a keystroke's echo, a prompt) get memory of their own size, as a pooled buffer would be too big. */
const MIN_POOLED = 16 * 1024;
/**
 * Most free buffers kept. The emulator worker holds a flood's batches while it waits to elide them
 * (up to 200 ms, some MiB of output), so a flood keeps dozens in use; they are dropped once the
 * pool has been idle for IDLE_MS.
 */
const MAX_FREE = 64;
const IDLE_MS = 1000;
const free: SharedArrayBuffer[] = [];
let lastUsed = 0;
let trimTimer: ReturnType<typeof setTimeout> | undefined;
function trimWhenIdle(): void {
  trimTimer = undefined;
  const idle = performance.now() - lastUsed;
  if (idle >= IDLE_MS) free.length = 0;
  else scheduleTrim(IDLE_MS - idle);
}
function scheduleTrim(ms: number): void {
  trimTimer ??= setTimeout(trimWhenIdle, ms);
  trimTimer.unref?.();
}
/** A buffer was taken or given back: the pool is in use. */
function used(): void {
  lastUsed = performance.now();
  scheduleTrim(IDLE_MS);
}
/** Pooled buffers made, and handed out again after every holder let go (for tests and the bench). */
export const poolStats = { created: 0, reused: 0 };

/** One joined batch: `data` stays unchanged until every `hold()` has been released. */
export class SharedBatch {
  readonly data: Buffer;
  readonly #memory: SharedArrayBuffer | undefined;
  #holds = 0;

  constructor(bytes: number) {
    const pooled = bytes >= MIN_POOLED && bytes <= POOLED_BYTES;
    const reused = pooled ? free.pop() : undefined;
    if (pooled) used();
    if (reused) poolStats.reused++;
    else if (pooled) poolStats.created++;
    const memory = reused ?? new SharedArrayBuffer(pooled ? POOLED_BYTES : bytes);
    this.#memory = pooled ? memory : undefined;
    this.data = Buffer.from(memory, 0, bytes);
  }

  /** Takes a hold on `data`; the returned function lets go of it (only the first call counts). */
  hold(): () => void {
    this.#holds++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.#holds > 0 || !this.#memory || free.length >= MAX_FREE) return;
      free.push(this.#memory);
      used();
    };
  }
}

/** The latest join (one slot, so nothing is held for long): the raw stream and the emulator batch the same chunks. */
let latest: { first: Uint8Array; last: Uint8Array; bytes: number; batch: SharedBatch; release: () => void } | undefined;

/**
 * The parts of a batch as one buffer in shared memory, with a hold for the caller (release it once
 * the holds of whoever keeps `data` have been taken). Both consumers collect the same PTY chunks with
 * the same timing, so the second to flush a batch usually finds the first one's join here (and takes
 * over its slot's hold); otherwise it joins its own. Nobody writes into a joined buffer.
 */
export function joinShared(parts: readonly Uint8Array[], bytes: number): { batch: SharedBatch; release: () => void } {
  const first = parts[0] as Uint8Array;
  const last = parts[parts.length - 1] as Uint8Array;
  const hit = latest;
  latest = undefined;
  if (hit && hit.first === first && hit.last === last && hit.bytes === bytes) {
    return { batch: hit.batch, release: hit.release };
  }
  hit?.release();
  const batch = new SharedBatch(bytes);
  let at = 0;
  for (const p of parts) {
    batch.data.set(p, at);
    at += p.length;
  }
  latest = { first, last, bytes, batch, release: batch.hold() };
  return { batch, release: batch.hold() };
}
