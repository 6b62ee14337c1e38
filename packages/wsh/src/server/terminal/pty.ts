import { readSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import type { IPty } from "node-pty";
import { BlockingFdInput } from "./blocking-fd-input.js";
import { IdleTimer } from "./idle-timer.js";
import { isNonBlocking, keepTailAtExit, type PtyInternals } from "./node-pty-internals.js";
import { PtyReaderThread } from "./pty-reader-thread.js";
import { REGION_BYTES, SharedBatch } from "./shared-join.js";

const require = createRequire(import.meta.url);
const nodePty = require("node-pty") as typeof import("node-pty");

/** Most bytes one drain (see `PtyProcess`) reads after a read of node-pty's, before the event loop goes on. */
const DRAIN_BYTES = 256 * 1024;
/**
 * Longest a drain goes on, ms. Each read of an emptied PTY waits for the kernel to move the
 * producer's next output across (a worker thread of the kernel's), which on a busy machine can be
 * slow: the event loop is not held up for long.
 */
const DRAIN_MS = 2;
/** A read of node-pty's at least this long suggests more output is waiting (the kernel hands out about 4 KiB at a time). */
const DRAIN_AFTER = 2048;
/** A drain starts a new region when less than this is left in the current one. */
const REGION_ROOM = 64 * 1024;
/** The open region is let go once the PTY has lent nothing for this long, ms: an idle terminal pins no region. */
const REGION_IDLE_MS = 100;

export interface PtyOptions {
  /** Program to run; default `$SHELL` or `/bin/sh`. */
  command?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  cols: number;
  rows: number;
  /**
   * Read the PTY on a thread of its own with blocking reads (Linux; default true there): a flood
   * moves faster than with reads on the event loop's turns (see `PtyReaderThread`). False reads
   * through node-pty's stream, draining floods on the event loop.
   */
  readerThread?: boolean;
}

export interface PtyExit {
  exitCode: number;
  signal?: number;
}

/** The child process on a pseudo-terminal, with raw bytes both ways (no decoding, so split UTF-8 survives). */
export class PtyProcess {
  readonly #pty: IPty;
  readonly exited: Promise<PtyExit>;
  #alive = true;
  #paused = false;
  /** node-pty's non-blocking master fd and its write queue, when its internals are as expected. */
  #fd: number | undefined;
  #writeQueue: unknown[] | undefined;
  /** Where drains read when nothing is lent (see `#drain`). */
  #scratch: Buffer | undefined;
  /** Where drains read when chunks are lent: a pooled region filled front to back, held while in use. */
  #region: { batch: SharedBatch; at: number; letGo: () => void } | undefined;
  /** Lets go of the open region once nothing was lent for REGION_IDLE_MS. */
  readonly #regionIdle = new IdleTimer(REGION_IDLE_MS, () => this.#closeRegion());
  /** The reader thread, when it reads (see `PtyOptions.readerThread`). */
  #reader: PtyReaderThread | undefined;
  /** With the reader thread: input, written with the (blocking) fd non-blocking for the moment. */
  #input: BlockingFdInput | undefined;
  /** The program that runs and the TERM it was given. */
  readonly command: string;
  readonly term: string;

  /**
   * `onData` gets every chunk in order. A chunk may be `lent`: it lies in a pooled region (see
   * shared-join.ts) that is refilled once this reader has moved on to another and every hold taken
   * on it has been let go, so whoever keeps a chunk past the call takes a hold during it. Chunks are
   * lent only while `lend()` says every consumer does so (otherwise each is memory of its own, as
   * node-pty's are). Consecutive lent chunks of one region lie back to back.
   */
  constructor(o: PtyOptions, onData: (chunk: Buffer, lent?: SharedBatch) => void, lend: () => boolean = () => false) {
    const command = o.command ?? process.env.SHELL ?? "/bin/sh";
    const env = { ...process.env, ...o.env };
    env.TERM ??= "xterm-256color";
    this.command = command;
    this.term = env.TERM;
    this.#pty = nodePty.spawn(command, o.args ?? [], {
      name: env.TERM,
      cols: o.cols,
      rows: o.rows,
      cwd: o.cwd ?? process.cwd(),
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
      encoding: null,
    });
    this.#reader = this.#startReaderThread(o, onData, lend);
    if (!this.#reader) this.#readOnLoop(onData, lend);
    this.exited = new Promise((resolve) => {
      // node-pty emits exit only after its socket closed, so every byte has been delivered by then.
      this.#pty.onExit((e) => {
        this.#alive = false;
        this.#closeRegion();
        this.#input?.clear();
        resolve(e.signal ? { exitCode: e.exitCode, signal: e.signal } : { exitCode: e.exitCode });
      });
    });
  }

  /**
   * Reading through node-pty's stream on the event loop: a long read starts a synchronous drain
   * (see `#drain`), into the open region while chunks are lent. Input goes straight to the kernel
   * when node-pty's write queue is empty (see `write`).
   */
  #readOnLoop(onData: (chunk: Buffer, lent?: SharedBatch) => void, lend: () => boolean): void {
    const internals = this.#pty as unknown as PtyInternals;
    const fd = internals._fd;
    const nonBlocking = typeof fd === "number" && isNonBlocking(fd);
    const drainFd = nonBlocking ? fd : undefined;
    // With encoding null node-pty hands out Buffers, though its typings say string.
    this.#pty.onData((d) => {
      const chunk = d as unknown as Buffer;
      const lending = drainFd !== undefined && !this.#paused && lend();
      if (!lending) this.#closeRegion();
      // A short read is copied into the open region too (a flood has one now and then), so a
      // flood's batches stay views of their region; it starts no region of its own.
      if (lending && chunk.length <= REGION_ROOM && (chunk.length >= DRAIN_AFTER || this.#region)) {
        const { batch } = this.#regionWithRoom(chunk.length);
        onData(this.#drainInto(drainFd, chunk, chunk.length >= DRAIN_AFTER), batch);
        this.#regionIdle.touch();
        return;
      }
      onData(drainFd === undefined || chunk.length < DRAIN_AFTER || this.#paused ? chunk : this.#drain(drainFd, chunk));
    });
    keepTailAtExit(this.#pty, onData);
    const ws = internals._writeStream;
    const wsFd = ws?._fd;
    if (
      typeof wsFd === "number" &&
      Array.isArray(ws?._writeQueue) &&
      (wsFd === fd ? nonBlocking : isNonBlocking(wsFd))
    ) {
      this.#fd = wsFd;
      this.#writeQueue = ws._writeQueue;
    }
  }

  /**
   * Hands reading to a `PtyReaderThread` when node-pty's internals are as expected: its stream
   * never reads (the thread does, the fd made blocking), and is destroyed once the thread has
   * handed on the last output, which is when node-pty emits exit. node-pty's own destroy of the
   * stream (200 ms after the child exited while something else holds the terminal open) stops
   * the thread first.
   */
  #startReaderThread(
    o: PtyOptions,
    onData: (chunk: Buffer, lent?: SharedBatch) => void,
    lend: () => boolean,
  ): PtyReaderThread | undefined {
    if (o.readerThread === false || process.platform !== "linux") return undefined;
    const internals = this.#pty as unknown as PtyInternals;
    const { _fd: fd, _pty: ptsName, _socket: socket } = internals;
    const handle = socket?._handle;
    const setBlocking = handle?.setBlocking;
    if (typeof fd !== "number" || !socket || typeof setBlocking !== "function") return undefined;
    if (setBlocking.call(handle, true) !== 0) return undefined;
    socket._read = () => {}; // node-pty's stream reads nothing from now on
    handle?.readStop?.();
    const destroy = socket.destroy.bind(socket);
    let destroyArgs: unknown[] = [];
    const reader = new PtyReaderThread({
      fd,
      setNonBlocking: () => {
        try {
          setBlocking.call(handle, false);
        } catch {
          // The handle is closed already.
        }
      },
      ptsName: typeof ptsName === "string" ? ptsName : undefined,
      lend,
      onData,
      onEnd: () => destroy(...destroyArgs),
    });
    this.#input = new BlockingFdInput(
      fd,
      (b) => setBlocking.call(handle, b),
      () => reader.stopping,
    );
    socket.destroy = (...args: unknown[]) => {
      if (reader.ended) return destroy(...args);
      destroyArgs = args;
      reader.stop();
      return socket;
    };
    return reader;
  }

  get pid(): number {
    return this.#pty.pid;
  }

  /**
   * A long read means a flood: the kernel hands a PTY's output out about 4 KiB per read, and each
   * read through node-pty's stream costs an event-loop turn, a Buffer and a 'data' event (most of
   * a direct reader's CPU). What else is waiting is read here at once, synchronously, up to
   * DRAIN_BYTES or DRAIN_MS, and handed on with `first` as one chunk. The fd is non-blocking, so
   * an empty PTY ends the drain with EAGAIN (EIO once the child has gone); order is kept, as
   * node-pty's stream reads only when this returns. Reads go to one reused buffer and are copied
   * out: reading into fresh memory instead costs a page fault per 4 KiB, dearer than the copy.
   */
  #drain(fd: number, first: Buffer): Buffer {
    this.#scratch ??= Buffer.allocUnsafeSlow(DRAIN_BYTES);
    const buf = this.#scratch;
    const at = this.#readInto(fd, buf, first.copy(buf, 0), DRAIN_BYTES);
    if (at === first.length) return first;
    const out = Buffer.allocUnsafeSlow(at);
    buf.copy(out, 0, 0, at);
    return out;
  }

  /**
   * As `#drain` (when `drain` is set), but into the open region, right after the last chunk: the
   * chunk handed on is a view of it. Reused memory (no page faults) and no copy out, and the raw
   * stream and the emulator's batches of it are views too (see ChunkBatch).
   */
  #drainInto(fd: number, first: Buffer, drain: boolean): Buffer {
    const region = this.#region as { batch: SharedBatch; at: number };
    const buf = region.batch.data;
    const start = region.at;
    let at = start + first.copy(buf, start);
    if (drain) at = this.#readInto(fd, buf, at, Math.min(buf.length, start + DRAIN_BYTES));
    region.at = at;
    return buf.subarray(start, at);
  }

  /** Reads what is waiting into `buf` from `at` up to `end` (see `#drain`); returns the new end. */
  #readInto(fd: number, buf: Buffer, at: number, end: number): number {
    const until = performance.now() + DRAIN_MS;
    try {
      while (at < end && performance.now() < until) {
        const n = readSync(fd, buf, at, end - at, null);
        at += n;
        // A short read emptied the kernel's buffer: one more would most likely fail with EAGAIN.
        if (n < DRAIN_AFTER) break;
      }
    } catch {
      // EAGAIN: nothing more waiting now; EIO: the child has gone (node-pty's stream sees it too).
    }
    return at;
  }

  /** The open region, replaced by a fresh one when it has less than `first` and REGION_ROOM left. */
  #regionWithRoom(first: number): { batch: SharedBatch; at: number } {
    if (!this.#region || REGION_BYTES - this.#region.at < first + REGION_ROOM) {
      this.#closeRegion();
      const batch = SharedBatch.region();
      this.#region = { batch, at: 0, letGo: batch.hold() };
    }
    return this.#region;
  }

  /** Lets go of the open region: it is refilled once the holders of its chunks let go too. */
  #closeRegion(): void {
    this.#region?.letGo();
    this.#region = undefined;
    this.#regionIdle.cancel();
  }

  get alive(): boolean {
    return this.#alive;
  }

  write(data: Uint8Array | string): boolean {
    if (!this.#alive) return false;
    let buf =
      typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.#input) {
      this.#input.write(typeof data === "string" ? buf : Buffer.from(buf)); // queued: memory of its own
      return true;
    }
    if (this.#fd !== undefined && this.#writeQueue?.length === 0) {
      // Nothing queued (nor in flight: node-pty keeps a write queued until it completes): straight into
      // the kernel, saving node-pty's thread-pool hop per keystroke. EAGAIN or a partial write leaves
      // the rest to node-pty's queue, which retries in order.
      try {
        const n = writeSync(this.#fd, buf);
        if (n >= buf.length) return true;
        buf = buf.subarray(n);
      } catch {
        // EAGAIN and the like: the queue below retries (and reports real errors).
      }
    }
    this.#pty.write(buf as unknown as string);
    return true;
  }

  resize(cols: number, rows: number): void {
    if (this.#alive) this.#pty.resize(cols, rows);
  }

  /** True while reading is paused (the emulator's backlog is above its high-water mark). */
  get paused(): boolean {
    return this.#paused;
  }
  pause(): void {
    this.#paused = true;
    if (this.#reader) {
      this.#reader.pause();
      return;
    }
    this.#closeRegion(); // nothing is read into it while paused
    if (this.#alive) this.#pty.pause();
  }
  resume(): void {
    this.#paused = false;
    if (this.#reader) {
      this.#reader.resume();
      return;
    }
    if (this.#alive) this.#pty.resume();
  }

  kill(signal = "SIGHUP"): void {
    if (!this.#alive) return;
    try {
      this.#pty.kill(signal);
    } catch {
      // Already gone.
    }
  }
}
