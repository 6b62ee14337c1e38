import type { SharedBatch } from "./shared-join.js";
import { ChunkBatch, WriteBacklog } from "./write-backlog.js";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Cursor, Format, FormattedLine, ScreenResponse, ScrollbackResponse, Span } from "../../protocol/screen.js";
import type { EmulatorOptions, ScreenChanges } from "./emulator.js";
import type { ScreenSource } from "./screen-source.js";
import type { FromWorker, ScreenMeta, ToWorker } from "./worker-protocol.js";

/**
 * The worker script: the built file next to the dist bundle, or in development the .ts source,
 * loaded through tsx's loader registered inside the worker (workers do not take `--import`).
 */
function workerScript(): { script: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const api = pathToFileURL(
      createRequire(here)
        .resolve("tsx/esm/api")
        .replace(/\.cjs$/, ".mjs"),
    ).href;
    const entry = new URL("./emulator-worker.ts", here).href;
    return {
      script: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
      eval: true,
    };
  }
  for (const rel of ["./emulator-worker.js", "../emulator-worker.js"]) {
    const url = new URL(rel, here);
    if (existsSync(fileURLToPath(url))) return { script: url, eval: false };
  }
  throw new Error("emulator-worker.js not found next to the @proj/wsh build");
}

/**
 * The emulator on a worker thread: xterm parses there, so a flood's parsing runs beside (not
 * between) the main thread's PTY reads and WebSocket sends. The visible screen is mirrored here
 * after every scan, so `screen()` and `line()` stay synchronous and consistent with the events.
 */
export class WorkerEmulator implements ScreenSource {
  readonly #worker: Worker;
  #plain: string[];
  #styled: Span[][];
  #meta: ScreenMeta;
  readonly #backlog: WriteBacklog;
  readonly #batch = new ChunkBatch(() => this.#flush());
  #nextId = 1;
  /** Bytes posted to the worker so far, and bytes it reported parsed (or skipped) so far. */
  #posted = 0;
  #parsed = 0;
  /**
   * Holds on the joined batches the worker may still read, oldest first, each with the byte count
   * at its end: the worker reports parsed bytes in stream order (elision skips only once xterm has
   * caught up, and what it keeps of a skipped span's lead it copies), so once that count passes a
   * batch's end, nothing of the batch is read again.
   */
  readonly #inWorker: Array<{ end: number; release: () => void }> = [];
  readonly #replies = new Map<number, (v: unknown) => void>();
  readonly #listeners = new Set<(c: ScreenChanges) => void>();
  onBacklog: (pause: boolean) => void = () => {};
  /** The worker failed; by default reported on stderr. */
  onError: (err: Error) => void = (err) => process.stderr.write(`wsh: emulator worker failed: ${err.stack ?? err}\n`);
  #dead = false;

  constructor(o: EmulatorOptions) {
    this.#backlog = new WriteBacklog(o.highWaterMark ?? 32 * 1024 * 1024, o.lowWaterMark ?? 8 * 1024 * 1024, (pause) =>
      this.onBacklog(pause),
    );
    this.#plain = Array.from({ length: o.rows }, () => "");
    this.#styled = Array.from({ length: o.rows }, () => []);
    this.#meta = {
      cols: o.cols,
      rows: o.rows,
      totalLines: o.rows,
      epoch: 0,
      alternate: false,
      cursor: { row: 0, col: 0, visible: true },
    };
    const { script, eval: isEval } = workerScript();
    this.#worker = new Worker(script, {
      workerData: {
        cols: o.cols,
        rows: o.rows,
        scrollback: o.scrollback,
        scanIntervalMs: o.scanIntervalMs,
        lowPriority: o.lowPriority ?? true,
        floodElision: o.floodElision,
      },
      eval: isEval,
    });
    this.#worker.unref();
    this.#worker.on("message", (m: FromWorker) => this.#receive(m));
    // A dead emulator must not hang readers (shutdown waits on settled()); raw output keeps flowing.
    this.#worker.on("error", (err) => {
      this.#die();
      this.onError(err);
    });
    this.#worker.on("exit", () => this.#die());
  }

  get epoch(): number {
    return this.#meta.epoch;
  }
  get cols(): number {
    return this.#meta.cols;
  }
  get rows(): number {
    return this.#meta.rows;
  }
  get alternateActive(): boolean {
    return this.#meta.alternate;
  }
  get totalLines(): number {
    return this.#meta.totalLines;
  }
  get pendingBytes(): number {
    return this.#backlog.pending;
  }

  onChanges(listener: (c: ScreenChanges) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  write(chunk: Uint8Array, lent?: SharedBatch): void {
    if (this.#dead) return;
    this.#backlog.added(chunk.length);
    this.#batch.push(chunk, lent);
  }

  resize(cols: number, rows: number): void {
    this.#flush();
    this.#post({ t: "resize", cols, rows });
    // Readers see the new size at once; the rows follow with the worker's sync.
    this.#meta = { ...this.#meta, cols, rows };
    this.#plain = Array.from({ length: rows }, (_, i) => this.#plain[i] ?? "");
    this.#styled = Array.from({ length: rows }, (_, i) => this.#styled[i] ?? []);
  }

  cursor(): Cursor {
    return { ...this.#meta.cursor };
  }

  line(index: number, format: Format): FormattedLine {
    return format === "plain" ? (this.#plain[index] ?? "") : (this.#styled[index] ?? []);
  }

  screen(format: Format): ScreenResponse {
    const m = this.#meta;
    return {
      epoch: m.epoch,
      first_line_index: Math.max(0, m.totalLines - m.rows),
      total_lines: m.totalLines,
      lines: format === "plain" ? [...this.#plain] : [...this.#styled],
      cursor: this.cursor(),
      cols: m.cols,
      rows: m.rows,
      alternate_active: m.alternate,
    };
  }

  readScrollback(format: Format, offset: number, limit: number): Promise<ScrollbackResponse | null> {
    return this.#ask<ScrollbackResponse | null>((id) => ({ t: "scrollback", id, format, offset, limit }));
  }

  repaintWhenParsed(scrollback: number): Promise<string | null> {
    return this.#ask<string | null>((id) => ({ t: "repaint", id, scrollback }));
  }

  async settled(): Promise<void> {
    await this.#ask((id) => ({ t: "settle", id }));
  }

  dispose(): void {
    this.#listeners.clear();
    void this.#worker.terminate();
  }

  #die(): void {
    this.#dead = true;
    // A worker that may still be reading its batches: they are never refilled (see shared-join.ts).
    this.#inWorker.length = 0;
    for (const r of this.#replies.values()) r(null);
    this.#replies.clear();
    this.#backlog.release();
  }

  #ask<T>(make: (id: number) => ToWorker): Promise<T> {
    if (this.#dead) return Promise.resolve(null as T);
    this.#flush();
    const id = this.#nextId++;
    return new Promise<T>((resolve) => {
      this.#replies.set(id, resolve as (v: unknown) => void);
      this.#post(make(id));
    });
  }

  #flush(): void {
    // Shared memory (see joinShared): usually the very buffer the raw stream sent, posted without a copy.
    const taken = this.#batch.takeShared();
    if (!taken) return;
    const { batch, release, bytes, flood } = taken;
    const joined = batch.data;
    const data = new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
    this.#post({ t: "write", data, flood });
    this.#posted += bytes;
    if (!this.#dead) this.#inWorker.push({ end: this.#posted, release: batch.hold() });
    release();
  }

  #post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    if (!this.#dead) this.#worker.postMessage(m, transfer);
  }

  #receive(m: FromWorker): void {
    switch (m.t) {
      case "parsed": {
        this.#backlog.parsed(m.bytes);
        this.#parsed += m.bytes;
        const held = this.#inWorker;
        while (held.length > 0 && (held[0] as { end: number }).end <= this.#parsed) held.shift()?.release();
        return;
      }
      case "reply": {
        const r = this.#replies.get(m.id);
        this.#replies.delete(m.id);
        r?.(m.value);
        return;
      }
      case "changes": {
        if (m.full) {
          this.#plain = Array.from({ length: m.meta.rows }, () => "");
          this.#styled = Array.from({ length: m.meta.rows }, () => []);
        }
        for (const [i, plain, styled] of m.rows) {
          this.#plain[i] = plain;
          this.#styled[i] = styled;
        }
        this.#meta = m.meta;
        if (m.changes) for (const l of this.#listeners) l(m.changes);
      }
    }
  }
}
