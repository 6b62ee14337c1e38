/**
 * The PTY reader thread's script (see `PtyReaderThread`), run with `eval` so that it needs no build
 * step of its own and no loader in development: plain CommonJS, no imports of this package.
 *
 * It reads the PTY's master fd with blocking reads into a staging buffer and copies each read into
 * the region the main thread lent it (published through `Slot.Published`, with a wake-up message
 * only when the main thread has seen the last one), or posts it as a message of its own when it
 * has no region. The main thread supplies regions on request and may take an idle one back.
 */

/** Slots of the shared Int32Array both threads use. */
export const Slot = {
  /** (region number & 1023) << 21 | bytes written into it: the worker's progress. */
  Published: 0,
  /** 1 while a wake-up message is on its way to the main thread. */
  Wake: 1,
  /** 1 while reading is paused (the emulator's backlog is high). */
  Paused: 2,
  /** 1 once the main thread asked the worker to end: what a read returns after that is dropped. */
  Stop: 3,
  /** Number of the region on offer (its message waits on the regions port), 0 when none. */
  Offer: 4,
  /** Region number * 4 + state of the region being filled: 0 idle, 1 being written, 2 taken back. */
  Lock: 5,
  /** 1 while the worker's request for a region is unanswered. */
  Need: 6,
  Count: 7,
} as const;

/** Region numbers and offsets packed into `Slot.Published`. */
export const OFFSET_BITS = 21;
export const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
export const NUMBER_MASK = 1023;

/** Messages from the reader thread. */
export type FromReader =
  | 0 // wake-up: read `Slot.Published`
  | Uint8Array // a read of its own (the worker had no region)
  | { t: "left"; n: number; end: number } // done with region n at `end`
  | { t: "need" }
  | { t: "end"; error?: string };

export const READER_WORKER_SOURCE = `
"use strict";
const { parentPort, workerData, receiveMessageOnPort } = require("node:worker_threads");
const { readSync } = require("node:fs");
const { fd, control, regionsPort, regionBytes, askAt } = workerData;
const ctl = new Int32Array(control);
const S = ${JSON.stringify(Slot)};
const staging = Buffer.allocUnsafe(64 * 1024);
let region = null; // { n, bytes: Uint8Array }
let at = 0;

function wake() {
  if (Atomics.compareExchange(ctl, S.Wake, 0, 1) === 0) parentPort.postMessage(0);
}
function ask() {
  if (Atomics.load(ctl, S.Offer) !== 0) return; // one is on offer already
  if (Atomics.compareExchange(ctl, S.Need, 0, 1) === 0) parentPort.postMessage({ t: "need" });
}
/** The region on offer, if any (its message is on the port before its number is in Slot.Offer). */
function takeOffer() {
  const n = Atomics.load(ctl, S.Offer);
  if (n === 0 || Atomics.compareExchange(ctl, S.Offer, n, 0) !== n) return null;
  for (;;) {
    const m = receiveMessageOnPort(regionsPort);
    if (m === undefined) return null;
    if (m.message.n === n) return { n, bytes: new Uint8Array(m.message.memory) };
    // An offer the main thread took back: skip it.
  }
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
  if (region === null) {
    region = takeOffer();
    if (region === null) {
      ask();
      const own = new Uint8Array(staging.subarray(0, n));
      parentPort.postMessage(own, [own.buffer]);
      return;
    }
    at = 0;
    Atomics.store(ctl, S.Lock, region.n * 4 + 1);
  }
  region.bytes.set(staging.subarray(0, n), at);
  at += n;
  Atomics.store(ctl, S.Published, ((region.n & ${NUMBER_MASK}) << ${OFFSET_BITS}) | at);
  Atomics.store(ctl, S.Lock, region.n * 4);
  if (at >= askAt) ask();
  wake();
}

let error;
for (;;) {
  if (Atomics.load(ctl, S.Stop) === 1) break;
  if (Atomics.load(ctl, S.Paused) === 1) {
    Atomics.wait(ctl, S.Paused, 1, 1000);
    continue;
  }
  let n;
  try {
    n = readSync(fd, staging, 0, staging.length, null);
  } catch (err) {
    // EAGAIN: the fd is non-blocking for a moment (the main thread writes with it so); EIO: the child has gone.
    if (err.code === "EAGAIN" || err.code === "EINTR") {
      Atomics.wait(ctl, S.Stop, 0, 0.2);
      continue;
    }
    if (err.code !== "EIO") error = String(err.code || err);
    break;
  }
  if (Atomics.load(ctl, S.Stop) === 1) break; // the fd may be closed (and its number reused) by now
  if (n === 0) break;
  hand(n);
}
if (region !== null) leave();
parentPort.postMessage(error === undefined ? { t: "end" } : { t: "end", error });
`;
