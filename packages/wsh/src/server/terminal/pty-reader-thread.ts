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
import { REGION_BYTES, SharedBatch } from "./shared-join.js";

/** The reader asks for its next region once this much of the current one is filled. */
const ASK_AT = REGION_BYTES - 256 * 1024;
/** A region (and the one on offer) is taken back once nothing was read for this long, ms. */
const IDLE_MS = 100;
/** How long `stop()` waits for the worker's read to return before giving up on it, ms. */
const STOP_GRACE_MS = 1000;

/** Readers whose worker may be blocked in a read: each is unblocked when the process exits (a blocked worker would hold the exit up). */
const live = new Set<PtyReaderThread>();
let exitHook = false;

export interface PtyReaderThreadOptions {
  /** The PTY's master fd, already in blocking mode. */
  fd: number;
  /** The slave's path: writing a byte to it wakes a read blocked on the master (see `stop`). */
  ptsName: string | undefined;
  /** Whether chunks may be lent (see `PtyProcess`); otherwise each is memory of its own. */
  lend: () => boolean;
  onData: (chunk: Buffer, lent?: SharedBatch) => void;
  /** Reading ended (the child has gone, or `stop()`): every chunk was handed on. */
  onEnd: (error?: string) => void;
}

/**
 * Linux: a PTY's output read on a thread of its own with blocking reads. A read blocked in the
 * kernel is woken as soon as the next output reaches the master, which keeps the flood's writer,
 * the kernel's worker and the reader moving with less delay than a read on an event loop's turn
 * (the bench measured about 1.2x the throughput of reading through node-pty's stream). Reads
 * land in pooled regions (see shared-join.ts) that this thread lends out as views, as drains do.
 */
export class PtyReaderThread {
  readonly #o: PtyReaderThreadOptions;
  readonly #worker: Worker;
  readonly #ctl = new Int32Array(new SharedArrayBuffer(Slot.Count * 4));
  readonly #regions = new MessageChannel();
  /** The region the worker fills, how much of it was handed on, and whether the worker left it. */
  #current: { n: number; batch: SharedBatch; letGo: () => void; handed: number } | undefined;
  #offered: { n: number; batch: SharedBatch; letGo: () => void } | undefined;
  #nextNumber = 1;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #lastRead = 0;
  #ended = false;
  #stopping = false;

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
      },
      transferList: [this.#regions.port2],
    });
    this.#worker.unref();
    this.#regions.port1.unref();
    this.#worker.on("message", (m: FromReader) => this.#receive(m));
    this.#worker.on("error", (err) => this.#end(String(err)));
    this.#worker.on("exit", () => this.#end());
    live.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => {
        for (const r of live) r.stop();
      });
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  pause(): void {
    Atomics.store(this.#ctl, Slot.Paused, 1);
  }
  resume(): void {
    Atomics.store(this.#ctl, Slot.Paused, 0);
    Atomics.notify(this.#ctl, Slot.Paused);
  }

  /**
   * Asks the worker to end (what it reads from now on is dropped), waking a read blocked on an
   * idle PTY by writing a NUL to its slave. `onEnd` follows once the worker has ended, or after
   * STOP_GRACE_MS if its read could not be woken (the slave gone, its output stopped): the worker
   * is then left to end by itself, and its regions are never refilled.
   */
  stop(): void {
    if (this.#ended) return;
    Atomics.store(this.#ctl, Slot.Stop, 1);
    Atomics.notify(this.#ctl, Slot.Paused);
    Atomics.notify(this.#ctl, Slot.Stop);
    if (this.#o.ptsName) {
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
    if (this.#stopping) return;
    this.#stopping = true;
    setTimeout(() => this.#end("the reader thread did not stop", true), STOP_GRACE_MS).unref();
  }

  #receive(m: FromReader): void {
    if (this.#ended) return;
    if (m === 0) {
      Atomics.store(this.#ctl, Slot.Wake, 0);
      this.#handPublished();
    } else if (m instanceof Uint8Array) {
      this.#read();
      this.#o.onData(Buffer.from(m.buffer, m.byteOffset, m.byteLength));
    } else if (m.t === "left") {
      const cur = this.#current;
      if (cur && cur.n === m.n) {
        this.#handTo(cur, m.end);
        cur.letGo();
        this.#current = undefined;
      }
      this.#handPublished();
    } else if (m.t === "need") {
      this.#offer();
      Atomics.store(this.#ctl, Slot.Need, 0);
    } else if (m.t === "end") {
      this.#handPublished();
      this.#end(m.error);
    }
  }

  /** Hands on what the worker published since the last call. */
  #handPublished(): void {
    const published = Atomics.load(this.#ctl, Slot.Published);
    const n = published >>> OFFSET_BITS;
    if (this.#current === undefined && this.#offered && (this.#offered.n & NUMBER_MASK) === n && published !== 0) {
      // The worker took the region on offer (and left the one before: its "left" came first).
      this.#current = { ...this.#offered, handed: 0 };
      this.#offered = undefined;
    }
    const cur = this.#current;
    if (cur && (cur.n & NUMBER_MASK) === n) this.#handTo(cur, published & OFFSET_MASK);
  }

  #handTo(cur: { batch: SharedBatch; handed: number }, end: number): void {
    if (end <= cur.handed) return;
    this.#read();
    const view = cur.batch.data.subarray(cur.handed, end);
    cur.handed = end;
    if (this.#o.lend()) this.#o.onData(view, cur.batch);
    else this.#o.onData(Buffer.from(view));
  }

  /** Puts a region on offer (unless one is). */
  #offer(): void {
    if (this.#offered || this.#ended) return;
    const batch = SharedBatch.region();
    const n = this.#nextNumber++;
    this.#offered = { n, batch, letGo: batch.hold() };
    // The message first: the worker takes it from the port once it sees the number.
    this.#regions.port1.postMessage({ n, memory: batch.data.buffer });
    Atomics.store(this.#ctl, Slot.Offer, n);
    if (this.#nextNumber > 1 << 20) this.#nextNumber = 1;
  }

  /** Output arrived: an idle timer takes the regions back once the PTY is quiet. */
  #read(): void {
    this.#lastRead = performance.now();
    this.#idleTimer ??= setTimeout(this.#whenIdle, IDLE_MS);
    this.#idleTimer.unref?.();
  }

  readonly #whenIdle = () => {
    this.#idleTimer = undefined;
    const idle = performance.now() - this.#lastRead;
    if (idle < IDLE_MS) {
      this.#idleTimer = setTimeout(this.#whenIdle, IDLE_MS - idle);
      this.#idleTimer.unref?.();
      return;
    }
    const offered = this.#offered;
    if (offered && Atomics.compareExchange(this.#ctl, Slot.Offer, offered.n, 0) === offered.n) {
      offered.letGo();
      this.#offered = undefined;
    }
    const cur = this.#current;
    const lock = cur ? cur.n * 4 : -1;
    if (cur && Atomics.compareExchange(this.#ctl, Slot.Lock, lock, lock + 2) === lock) {
      // The worker will write into it no more: hand on its last bytes, let go.
      this.#handPublished();
      cur.letGo();
      this.#current = undefined;
    }
  };

  /** Reading is over: regions go back (unless the worker may still write into them), `onEnd` once. */
  #end(error?: string, abandoned = false): void {
    if (this.#ended) return;
    this.#ended = true;
    live.delete(this);
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#regions.port1.close();
    if (!abandoned) {
      this.#current?.letGo();
      this.#offered?.letGo();
    }
    this.#current = undefined;
    this.#offered = undefined;
    this.#o.onEnd(error);
  }
}
