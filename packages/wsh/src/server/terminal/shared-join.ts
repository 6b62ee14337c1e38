/**
 * Batches of PTY output in shared memory, from a pool of reused buffers.
 *
 * The raw stream sends a batch to every client and the emulator worker gets the same memory
 * (posting it copies nothing). A fresh SharedArrayBuffer per 256 KiB batch costs a page fault per
 * 4 KiB on first touch (about 16,000 per 64 MiB flood): buffers are reused instead, each going back
 * to the pool only once every holder let go of it (a socket that wrote it, the worker that parsed
 * it). A holder that cannot tell when it is done never lets go: that buffer is left to the garbage
 * collector, never refilled.
 *
 * During a flood the PTY reads straight into a region (see `PtyProcess`), front to back, so a batch
 * of consecutive reads is a view of it (`SharedBatch.view`): no copy at all. Batches of anything
 * else are joined into a buffer of their own size class (`joinShared`).
 */

/** The largest pooled buffer: a flood batch (256 KiB) plus the drain that may have ended it (up to 256 KiB). */
export const POOLED_BYTES = 512 * 1024;
/**
 * Shorter batches (a keystroke's echo, a prompt) get memory of their own size. Longer ones take a buffer
 * of the next power of two from SMALLEST_SIZE to POOLED_BYTES, one free list per size: a batch never pins
 * more than four times its bytes (less than twice from 64 KiB up), so the byte limits on what a slow client
 * or the worker may hold still bound the memory behind them (one 512 KiB size for all pinned 32 times the
 * bytes of a 16 KiB batch). Flood batches on a quiet machine are mostly 20-60 KiB: they share the smallest size.
 */
const MIN_POOLED = 16 * 1024;
const SMALLEST_SIZE = 64 * 1024;
/**
 * A region the PTY drains into (see `PtyProcess`). A view pins its whole region, so what a holder
 * pins is the bytes it holds plus at most two regions: holders keep consecutive output (a slow
 * client's queued frames, the worker's unparsed batches) and a region is filled front to back.
 */
export const REGION_BYTES = 1024 * 1024;
/**
 * Most free bytes kept. The emulator worker holds a flood's batches while it waits to elide them
 * (up to 200 ms, some MiB of output), so a flood keeps dozens in use; they are dropped once the
 * pool has been idle for IDLE_MS.
 */
const MAX_FREE_BYTES = 32 * 1024 * 1024;
const IDLE_MS = 1000;
const free = new Map<number, SharedArrayBuffer[]>();
let freeBytes = 0;
let lastUsed = 0;
let keptWarm = false;
let trimTimer: ReturnType<typeof setTimeout> | undefined;
function emptyFreeLists(): void {
  free.clear();
  freeBytes = 0;
}
function trimWhenIdle(): void {
  trimTimer = undefined;
  if (keptWarm) return; // the next use schedules it again
  const idle = performance.now() - lastUsed;
  if (idle >= IDLE_MS) emptyFreeLists();
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
/** The pooled size for a batch of `bytes` (SMALLEST_SIZE..POOLED_BYTES), or 0 when it gets memory of its own. */
export function pooledSize(bytes: number): number {
  if (bytes < MIN_POOLED || bytes > POOLED_BYTES) return 0;
  let size = SMALLEST_SIZE;
  while (size < bytes) size *= 2;
  return size;
}
function takeFree(size: number): SharedArrayBuffer | undefined {
  const memory = free.get(size)?.pop();
  if (memory) freeBytes -= size;
  return memory;
}
function giveBack(memory: SharedArrayBuffer): void {
  const size = memory.byteLength;
  if (freeBytes + size > MAX_FREE_BYTES) return;
  const list = free.get(size);
  if (list) list.push(memory);
  else free.set(size, [memory]);
  freeBytes += size;
  used();
}
/**
 * Pooled buffers made, and handed out again after every holder let go; regions handed out whose
 * holders have not all let go yet (for tests and the bench).
 */
export const poolStats = { created: 0, reused: 0, regionsOut: 0 };

/**
 * @internal For tests: empties the free lists, then gives `perSize` buffers of each size to them and keeps
 * them past the idle trim until `_coolPool()`, so a flood's first batches are refilled memory whatever the
 * machine's load (whether one of a flood's own batches comes back within it depends on timing).
 */
export function _warmPool(perSize: number): void {
  emptyFreeLists();
  keptWarm = true;
  for (let size = SMALLEST_SIZE; size <= REGION_BYTES; size *= 2) {
    for (let i = 0; i < perSize; i++) giveBack(new SharedArrayBuffer(size));
  }
}
/** @internal Undoes `_warmPool`: the free lists are trimmed when idle again. */
export function _coolPool(): void {
  keptWarm = false;
  used();
}

/** Bytes in shared memory that stay unchanged until every `hold()` has been released. */
export interface HeldBytes {
  readonly data: Buffer;
  /** Takes a hold on `data`; the returned function lets go of it (only the first call counts). */
  hold(): () => void;
}

/** One batch of pooled (or, when short, its own) memory: `data` stays unchanged until every `hold()` has been released. */
export class SharedBatch implements HeldBytes {
  readonly data: Buffer;
  readonly #memory: SharedArrayBuffer | undefined;
  #holds = 0;
  #isRegion = false;

  /** `size`: the pooled size to take (default the size class of `bytes`; 0 for memory of its own). */
  constructor(bytes: number, size = pooledSize(bytes)) {
    const reused = size ? takeFree(size) : undefined;
    if (size) used();
    if (reused) poolStats.reused++;
    else if (size) poolStats.created++;
    const memory = reused ?? new SharedArrayBuffer(size || bytes);
    this.#memory = size ? memory : undefined;
    this.data = Buffer.from(memory, 0, bytes);
  }

  /** A region to drain a flood into (REGION_BYTES of pooled memory). */
  static region(): SharedBatch {
    const region = new SharedBatch(REGION_BYTES, REGION_BYTES);
    region.#isRegion = true;
    poolStats.regionsOut++;
    return region;
  }

  /** @internal Holds not let go yet (for tests). */
  get holds(): number {
    return this.#holds;
  }

  hold(): () => void {
    this.#holds++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.#holds > 0 || !this.#memory) return;
      if (this.#isRegion) poolStats.regionsOut--;
      giveBack(this.#memory);
    };
  }

  /** Bytes [start, end) of `data`, held through holds on this batch. */
  view(start: number, end: number): HeldBytes {
    const data = this.data.subarray(start, end);
    return { data, hold: () => this.hold() };
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
export function joinShared(parts: readonly Uint8Array[], bytes: number): { batch: HeldBytes; release: () => void } {
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
