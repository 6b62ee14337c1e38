import { readFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import type { IPty } from "node-pty";

const require = createRequire(import.meta.url);

/** Linux: whether `fd` has O_NONBLOCK (a blocking write could stall the event loop). Elsewhere: false. */
function isNonBlocking(fd: number): boolean {
  try {
    const flags = /^flags:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
    return flags !== undefined && (Number.parseInt(flags, 8) & 0o4000) !== 0;
  } catch {
    return false;
  }
}
const nodePty = require("node-pty") as typeof import("node-pty");

export interface PtyOptions {
  /** Program to run; default `$SHELL` or `/bin/sh`. */
  command?: string;
  args?: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  cols: number;
  rows: number;
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
  /** node-pty's (non-blocking) master fd and write queue, when its internals are as expected. */
  #directFd: number | undefined;
  #queue: unknown[] | undefined;

  constructor(o: PtyOptions, onData: (chunk: Buffer) => void) {
    const command = o.command ?? process.env.SHELL ?? "/bin/sh";
    const env = { ...process.env, ...o.env };
    env.TERM ??= "xterm-256color";
    this.#pty = nodePty.spawn(command, o.args ?? [], {
      name: env.TERM,
      cols: o.cols,
      rows: o.rows,
      cwd: o.cwd ?? process.cwd(),
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
      encoding: null,
    });
    const ws = (this.#pty as unknown as { _writeStream?: { _fd?: unknown; _writeQueue?: unknown } })._writeStream;
    if (ws && typeof ws._fd === "number" && Array.isArray(ws._writeQueue) && isNonBlocking(ws._fd)) {
      this.#directFd = ws._fd;
      this.#queue = ws._writeQueue;
    }
    // With encoding null node-pty hands out Buffers, though its typings say string.
    this.#pty.onData((d) => onData(d as unknown as Buffer));
    this.exited = new Promise((resolve) => {
      // node-pty emits exit only after its socket closed, so every byte has been delivered by then.
      this.#pty.onExit((e) => {
        this.#alive = false;
        resolve(e.signal ? { exitCode: e.exitCode, signal: e.signal } : { exitCode: e.exitCode });
      });
    });
  }

  get pid(): number {
    return this.#pty.pid;
  }
  get alive(): boolean {
    return this.#alive;
  }

  write(data: Uint8Array | string): boolean {
    if (!this.#alive) return false;
    let buf =
      typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const fd = this.#directFd;
    if (fd !== undefined && this.#queue?.length === 0) {
      // Straight into the kernel's buffer when nothing is queued: saves node-pty's thread-pool hop
      // per keystroke. A full buffer (EAGAIN) or a partial write leaves the rest to node-pty's queue.
      try {
        const n = writeSync(fd, buf);
        if (n >= buf.length) return true;
        buf = buf.subarray(n);
      } catch {
        // EAGAIN and the like: node-pty's queue retries (and reports real errors).
      }
    }
    this.#pty.write(buf as unknown as string);
    return true;
  }

  resize(cols: number, rows: number): void {
    if (this.#alive) this.#pty.resize(cols, rows);
  }

  pause(): void {
    if (this.#alive) this.#pty.pause();
  }
  resume(): void {
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
