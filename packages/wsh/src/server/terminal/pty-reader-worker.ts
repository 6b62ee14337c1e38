/**
 * The PTY reader thread's script (see `PtyReaderThread`), run with `eval` so that it needs no build
 * step of its own and no loader in development: plain CommonJS, no imports of this package.
 *
 * It reads the PTY's master fd with blocking reads into a staging buffer and copies each read into
 * the region the main thread offered it (progress published in `Slot.Published`, with a wake-up
 * message only when the main thread has seen the last one), or posts it as a message of its own
 * when it has no region. Regions are offered on request and taken back by the main thread when idle.
 */

/** Slots of the shared Int32Array both threads use. */
export const Slot = {
  /** (region number & 1023) << 21 | bytes written into it: the worker's progress. */
  Published: 0,
  /** 1 while a wake-up message is on its way to the main thread. */
  Wake: 1,
  /** 1 while reading is paused (the emulator's backlog is high). */
  Paused: 2,
  /** 1 once the main thread asked the worker to end: it reads what is left without blocking, then ends. */
  Stop: 3,
  /** Number of the region on offer (set before its message is posted), 0 when none. */
  Offer: 4,
  /** Region number * 4 + state of the region being filled: 0 idle, 1 being written, 2 taken back. */
  Lock: 5,
  /** 1 while the worker's request for a region is unanswered. */
  Need: 6,
  /** Number of the region the worker fills (or last filled): set after `Published` is reset for it. */
  Taken: 7,
  /** Bytes posted as messages of their own and not yet handed on by the main thread. */
  Unhanded: 8,
  /**
   * 1 once the main thread wrote a NUL to the slave to wake a blocked read (one trailing NUL is dropped
   * from the reads after it); 2 once it gave up on the worker and closed the fd: nothing more is read.
   */
  Nudged: 9,
  Count: 10,
} as const;

/** Region numbers and offsets packed into `Slot.Published`. */
export const OFFSET_BITS = 21;
export const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
export const NUMBER_MASK = 1023;

/** Messages from the reader thread. */
export type FromReader =
  | 0 // wake-up: read `Slot.Published`
  | Uint8Array // a read of its own (the worker had no region)
  | { t: "took"; n: number } // filling region n from now on
  | { t: "left"; n: number; end: number } // done with region n at `end`
  | { t: "need" }
  | { t: "end"; error?: string };

export const READER_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData, receiveMessageOnPort } = require("node:worker_threads");
const { readSync } = require("node:fs");
const { fd, control, regionsPort, regionBytes, askAt, longRead, maxUnhanded, maxTail } = workerData;
const ctl = new Int32Array(control);
const S = ${JSON.stringify(Slot)};
const staging = Buffer.allocUnsafe(64 * 1024);
let region = null; // { n, bytes: Uint8Array }
let at = 0;
/** The newest region message received but not taken (older ones are offers the main thread took back). */
let held = null;

function wake() {
  if (Atomics.compareExchange(ctl, S.Wake, 0, 1) === 0) parentPort.postMessage(0);
}
function ask() {
  if (Atomics.load(ctl, S.Offer) !== 0) return; // one is on offer already
  if (Atomics.compareExchange(ctl, S.Need, 0, 1) === 0) parentPort.postMessage({ t: "need" });
}
function receiveAll() {
  for (let m = receiveMessageOnPort(regionsPort); m !== undefined; m = receiveMessageOnPort(regionsPort)) held = m.message;
}
/** The region on offer, if any. */
function takeOffer() {
  const n = Atomics.load(ctl, S.Offer);
  if (n === 0) {
    receiveAll(); // drops messages of offers taken back
    return null;
  }
  if (Atomics.compareExchange(ctl, S.Offer, n, 0) !== n) return null;
  // The number is set just before the message is posted: it is there or about to be.
  while (held === null || held.n !== n) {
    const m = receiveMessageOnPort(regionsPort);
    if (m !== undefined) held = m.message;
    else Atomics.wait(ctl, S.Stop, 0, 0.05);
  }
  const taken = { n, bytes: new Uint8Array(held.memory) };
  held = null;
  Atomics.store(ctl, S.Published, (n & ${NUMBER_MASK}) << ${OFFSET_BITS});
  Atomics.store(ctl, S.Taken, n);
  // In order with the messages before it: the main thread hands on this region's bytes only after them.
  parentPort.postMessage({ t: "took", n });
  return taken;
}
function leave() {
  parentPort.postMessage({ t: "left", n: region.n, end: at });
  region = null;
}
/** Copies n staged bytes into a region, or posts them as a message of their own. */
function hand(n) {
  if (region !== null) {
    const lock = region.n * 4;
    if (Atomics.compareExchange(ctl, S.Lock, lock, lock + 1) !== lock) region = null; // taken back while idle
    else if (regionBytes - at < n) {
      Atomics.store(ctl, S.Lock, lock);
      leave();
    }
  }
  if (region === null && (n >= longRead || Atomics.load(ctl, S.Offer) !== 0)) {
    region = takeOffer();
    if (region !== null) {
      at = 0;
      Atomics.store(ctl, S.Lock, region.n * 4 + 1);
    }
  }
  if (region === null) {
    // A short read starts no region (a keystroke's echo); a long one asks for one and goes on meanwhile.
    if (n >= longRead) ask();
    // Bounded while the main thread is busy: wait for it to hand on what was posted.
    for (let v = Atomics.load(ctl, S.Unhanded); v > maxUnhanded && Atomics.load(ctl, S.Stop) === 0; v = Atomics.load(ctl, S.Unhanded)) {
      Atomics.wait(ctl, S.Unhanded, v, 50);
    }
    const own = new Uint8Array(staging.subarray(0, n));
    Atomics.add(ctl, S.Unhanded, n);
    parentPort.postMessage(own, [own.buffer]);
    return;
  }
  region.bytes.set(staging.subarray(0, n), at);
  at += n;
  Atomics.store(ctl, S.Published, ((region.n & ${NUMBER_MASK}) << ${OFFSET_BITS}) | at);
  Atomics.store(ctl, S.Lock, region.n * 4);
  if (at >= askAt) ask();
  wake();
}

let error;
let tail = 0;
for (;;) {
  const stopping = Atomics.load(ctl, S.Stop) === 1;
  if (!stopping && Atomics.load(ctl, S.Paused) === 1) {
    Atomics.wait(ctl, S.Paused, 1, 1000);
    continue;
  }
  let n;
  try {
    n = readSync(fd, staging, 0, staging.length, null);
  } catch (err) {
    // EAGAIN: the fd is non-blocking, for a write of the main thread's or because it is stopping us;
    // EIO: the child has gone and everything was read.
    if (err.code === "EAGAIN" && !stopping) {
      Atomics.wait(ctl, S.Stop, 0, 0.2);
      continue;
    }
    if (err.code === "EINTR") continue;
    if (err.code !== "EAGAIN" && err.code !== "EIO") error = String(err.code || err);
    break;
  }
  const nudged = Atomics.load(ctl, S.Nudged);
  if (nudged === 2) break; // the fd is closed, its number may be another file's by now
  // A read the main thread had to wake ends with its NUL.
  if (nudged === 1 && n > 0 && staging[n - 1] === 0) n--;
  if (n === 0) {
    if (nudged === 1) continue; // the NUL alone: read on (without blocking) until EAGAIN
    break;
  }
  hand(n);
  if (stopping && (tail += n) >= maxTail) break;
}
if (region !== null) leave();
parentPort.postMessage(error === undefined ? { t: "end" } : { t: "end", error });
`;
