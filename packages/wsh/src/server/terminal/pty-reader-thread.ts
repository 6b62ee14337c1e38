import { closeSync, constants, openSync, writeSync } from "node:fs";
import { MessageChannel, Worker } from "node:worker_threads";
import {
  type FromReader,
  NUMBER_MASK,
  OFFSET_BITS,
  OFFSET_MASK,
  READER_WORKER_SOURCE,
  Slot,
} from "./pty-reader-worker.js";
import { IdleTimer } from "./idle-timer.js";
import { REGION_BYTES, SharedBatch } from "./shared-join.js";

/** The reader asks for its next region once this much of the current one is filled. */
const ASK_AT = REGION_BYTES - 256 * 1024;
/** A read at least this long asks for a region (shorter ones, a keystroke's echo, go as messages of their own). */
const LONG_READ = 2048;
/** Most bytes posted as messages of their own that the main thread has not handed on yet: past it the reader waits. */
const MAX_UNHANDED = 1024 * 1024;
/** Most bytes read once stopping (what is left in the kernel at the child's exit). */
const MAX_TAIL = 8 * 1024 * 1024;
/** A region (and the one on offer) is taken back once nothing was read for this long, ms. */
const IDLE_MS = 100;
/** Once stopping, how long the worker has to read what is left before a read it is blocked in is woken, ms. */
const NUDGE_MS = 200;
/** How long `stop()` waits for the worker to end before giving up on it, ms. */
const STOP_GRACE_MS = 1500;

/** Readers whose worker is alive: each is woken when the process exits (a worker blocked in a read would hold the exit up). */
const live = new Set<PtyReaderThread>();
let exitHook = false;

export interface PtyReaderThreadOptions {
  /** The PTY's master fd, already in blocking mode. */
  fd: number;
  /** Makes the fd non-blocking for good (on stopping: the worker reads what is left, then ends). */
  setNonBlocking: () => void;
  /** The slave's path: writing a byte to it wakes a read blocked on the master (see `stop`). */
  ptsName: string | undefined;
  /** Whether chunks may be lent (see `PtyProcess`); otherwise each is memory of its own. */
  lend: () => boolean;
  onData: (chunk: Buffer, lent?: SharedBatch) => void;
  /** Reading ended (the child has gone, or `stop()`): every chunk was handed on. */
  onEnd: (error?: string) => void;
}

interface Region {
  n: number;
  batch: SharedBatch;
  letGo: () => void;
  /** How much of it was handed on. */
  handed: number;
}

/**
 * Linux: a PTY's output read on a thread of its own with blocking reads. A read blocked in the
 * kernel wakes as soon as the next output reaches the master, which keeps the flood's writer, the
 * kernel's worker and the reader moving with less delay than reads on an event loop's turns. Reads
 * land in pooled regions (see shared-join.ts) that are handed on as views, as drains are.
 */
export class PtyReaderThread {
  readonly #o: PtyReaderThreadOptions;
  readonly #worker: Worker;
  readonly #ctl = new Int32Array(new SharedArrayBuffer(Slot.Count * 4));
  readonly #regions = new MessageChannel();
  /** The region the worker fills, and the one on offer. */
  #current: Region | undefined;
  #offered: Region | undefined;
  #nextNumber = 1;
  /** Takes the regions back once nothing was read for IDLE_MS. */
  readonly #idle = new IdleTimer(IDLE_MS, () => this.#whenIdle());
  #ended = false;
  #stopping = false;
  /** The worker did not end when asked: it is left to end by itself, and its regions are never refilled. */
  #abandoned = false;

  constructor(o: PtyReaderThreadOptions) {
    this.#o = o;
    this.#worker = new Worker(READER_WORKER_SOURCE, {
      eval: true,
      workerData: {
        fd: o.fd,
        control: this.#ctl.buffer,
        regionsPort: this.#regions.port2,
        regionBytes: REGION_BYTES,
        askAt: ASK_AT,
        longRead: LONG_READ,
        maxUnhanded: MAX_UNHANDED,
        maxTail: MAX_TAIL,
      },
      transferList: [this.#regions.port2],
    });
    this.#worker.unref();
    this.#regions.port1.unref();
    this.#worker.on("message", (m: FromReader) => this.#receive(m));
    this.#worker.on("error", (err) => this.#end(String(err)));
    this.#worker.on("exit", () => {
      live.delete(this);
      this.#end();
      this.#releaseRegions(); // an abandoned worker's, once it cannot write into them any more
    });
    live.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => {
        for (const r of live) r.#wakeForExit();
      });
    }
  }

  get ended(): boolean {
    return this.#ended;
  }
  /** `stop()` was called: the fd is non-blocking for good. */
  get stopping(): boolean {
    return this.#stopping;
  }

  pause(): void {
    Atomics.store(this.#ctl, Slot.Paused, 1);
  }
  resume(): void {
    Atomics.store(this.#ctl, Slot.Paused, 0);
    Atomics.notify(this.#ctl, Slot.Paused);
  }

  /**
   * Asks the worker to read what is left without blocking (paused or not, up to MAX_TAIL) and end.
   * A read it was blocked in (an idle PTY) is woken after NUDGE_MS by writing a NUL to the slave,
   * and what that read returns is dropped. `onEnd` follows once the worker has ended, or after
   * STOP_GRACE_MS if it could not be woken (no slave path, or the slave's output stopped).
   */
  stop(): void {
    if (this.#stopping || this.#ended) return;
    this.#stopping = true;
    this.#stopOrder();
    setTimeout(() => this.#nudge(), NUDGE_MS).unref();
    setTimeout(() => {
      if (this.#ended) return;
      this.#abandoned = true;
      // The fd is closed next (its number may then name another file): the worker reads no more.
      Atomics.store(this.#ctl, Slot.Nudged, 2);
      this.#end("the reader thread did not stop");
    }, STOP_GRACE_MS).unref();
  }

  /** The fd non-blocking, and the worker told to read what is left and end (waking it from any wait). */
  #stopOrder(): void {
    this.#o.setNonBlocking();
    Atomics.store(this.#ctl, Slot.Stop, 1);
    // Paused is ignored once stopping; clearing it also wakes a worker about to wait on it.
    Atomics.store(this.#ctl, Slot.Paused, 0);
    this.#wakeWaits();
  }

  /** The process is exiting (no timers run any more): stop and wake the worker at once. */
  #wakeForExit(): void {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#stopOrder();
    }
    this.#nudge();
  }

  #nudge(): void {
    if (this.#ended && !this.#abandoned) return;
    if (!this.#abandoned) Atomics.store(this.#ctl, Slot.Nudged, 1);
    this.#wakeWaits();
    if (!this.#o.ptsName) return;
    try {
      const slave = openSync(this.#o.ptsName, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
      try {
        writeSync(slave, "\0");
      } finally {
        closeSync(slave);
      }
    } catch {
      // Gone (the master's read ends with EIO then) or its output stopped.
    }
  }

  #receive(m: FromReader): void {
    if (this.#ended) return;
    if (m === 0) {
      Atomics.store(this.#ctl, Slot.Wake, 0);
      this.#handPublished();
    } else if (m instanceof Uint8Array) {
      Atomics.sub(this.#ctl, Slot.Unhanded, m.byteLength);
      Atomics.notify(this.#ctl, Slot.Unhanded);
      this.#idle.touch(); // output: the regions stay while it flows
      this.#o.onData(Buffer.from(m.buffer, m.byteOffset, m.byteLength));
    } else if (m.t === "took") {
      const offered = this.#offered;
      if (offered && offered.n === m.n) {
        this.#current = offered;
        this.#offered = undefined;
        this.#handPublished();
      }
    } else if (m.t === "left") {
      const cur = this.#current;
      if (cur && cur.n === m.n) {
        this.#handTo(cur, m.end);
        cur.letGo();
        this.#current = undefined;
      }
    } else if (m.t === "need") {
      this.#offer();
      Atomics.store(this.#ctl, Slot.Need, 0);
    } else if (m.t === "end") {
      this.#end(m.error);
    }
  }

  /** Hands on what the worker published into the current region since the last call. */
  #handPublished(): void {
    const cur = this.#current;
    // Once the worker took another region, this one's end comes with its "left" message.
    if (!cur || Atomics.load(this.#ctl, Slot.Taken) !== cur.n) return;
    const published = Atomics.load(this.#ctl, Slot.Published);
    if (published >>> OFFSET_BITS === (cur.n & NUMBER_MASK)) this.#handTo(cur, published & OFFSET_MASK);
  }

  #handTo(cur: Region, end: number): void {
    if (end <= cur.handed) return;
    this.#idle.touch(); // output: the regions stay while it flows
    const view = cur.batch.data.subarray(cur.handed, end);
    cur.handed = end;
    if (this.#o.lend()) this.#o.onData(view, cur.batch);
    else this.#o.onData(Buffer.from(view));
  }

  /** Puts a region on offer (unless one is). */
  #offer(): void {
    if (this.#offered || this.#ended || this.#stopping) return;
    const batch = SharedBatch.region();
    const n = this.#nextNumber;
    this.#nextNumber = n >= 1 << 20 ? 1 : n + 1;
    this.#offered = { n, batch, letGo: batch.hold(), handed: 0 };
    // The number first: a worker that takes it waits for the message, which follows at once.
    Atomics.store(this.#ctl, Slot.Offer, n);
    this.#regions.port1.postMessage({ n, memory: batch.data.buffer });
  }

  #whenIdle(): void {
    const offered = this.#offered;
    if (offered && Atomics.compareExchange(this.#ctl, Slot.Offer, offered.n, 0) === offered.n) {
      offered.letGo();
      this.#offered = undefined;
    }
    const cur = this.#current;
    const lock = cur ? cur.n * 4 : -1;
    if (!cur || Atomics.compareExchange(this.#ctl, Slot.Lock, lock, lock + 2) !== lock) return;
    // The worker writes into it no more. Unless it has left it (then its progress slot may already
    // be the next region's, and the "left" message on its way hands on the rest and lets go), hand
    // on its last bytes and let go.
    const published = Atomics.load(this.#ctl, Slot.Published);
    if (published >>> OFFSET_BITS !== (cur.n & NUMBER_MASK) || Atomics.load(this.#ctl, Slot.Taken) !== cur.n) return;
    this.#handTo(cur, published & OFFSET_MASK);
    cur.letGo();
    this.#current = undefined;
  }

  #releaseRegions(): void {
    this.#current?.letGo();
    this.#offered?.letGo();
    this.#current = undefined;
    this.#offered = undefined;
  }

  /** Wakes the worker from any wait (a paused read, a full message queue), to see Stop or Nudged. */
  #wakeWaits(): void {
    for (const slot of [Slot.Paused, Slot.Stop, Slot.Unhanded]) Atomics.notify(this.#ctl, slot);
  }

  /** Reading is over: regions go back (unless the worker may still write into them), `onEnd` once. */
  #end(error?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#idle.cancel();
    this.#regions.port1.close();
    if (!this.#abandoned) this.#releaseRegions();
    this.#o.onEnd(error);
  }
}
