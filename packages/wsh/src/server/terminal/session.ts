import { Emitter } from "@proj/ws-core";
import { DEFAULT_COLS, DEFAULT_ROWS, DEFAULT_SCROLLBACK, MAX_DIMENSION, MIN_COLS } from "../../protocol/constants.js";
import type {
  CursorEvent,
  InputEvent,
  InputMode,
  InputModeEvent,
  ResetEvent,
  ScreenModeEvent,
} from "../../protocol/events.js";
import { isCtrlBackslash, parseKey } from "../../protocol/keys.js";
import { Emulator, type EmulatorOptions, type ScreenChanges } from "./emulator.js";
import { type PtyExit, PtyProcess } from "./pty.js";
import type { ScreenSource } from "./screen-source.js";
import type { SharedBatch } from "./shared-join.js";
import { WorkerEmulator } from "./worker-emulator.js";

export interface SessionOptions {
  /** Program to run; default `$SHELL` or `/bin/sh`. */
  command?: string;
  args?: string[];
  cwd?: string;
  /** Extra environment; `TERM` defaults to xterm-256color. */
  env?: Record<string, string | undefined>;
  cols?: number;
  rows?: number;
  /** Emulator scrollback lines (default 10,000). */
  scrollback?: number;
  /** Unparsed bytes in the emulator at which the PTY is paused (default 4 MiB, 32 MiB with a worker). */
  emulatorHighWaterMark?: number;
  /**
   * Where xterm parses: "main" (this thread) or "worker" (a worker thread, so parsing a flood runs
   * in parallel with PTY reads and WebSocket sends). Default "worker".
   */
  emulatorThread?: "main" | "worker";
  /** Flood elision tuning, or `false` to parse every byte (see `EmulatorOptions.floodElision`). */
  floodElision?: EmulatorOptions["floodElision"];
  /**
   * How the PTY's output is read: "thread" (blocking reads on a thread of its own, faster on floods;
   * Linux only, elsewhere "loop") or "loop" (node-pty's stream on the event loop). Default "thread".
   */
  ptyReader?: "thread" | "loop";
}

/**
 * One terminal event batch in emission order. `line` items carry no content: each subscriber
 * formats the row in its own format (the emulator state is current while the batch is delivered).
 * A `sync` item follows every `reset`.
 */
export type BatchItem =
  | { kind: "line"; seq: number; index: number; total_lines: number }
  | { kind: "cursor"; event: CursorEvent }
  | { kind: "mode"; event: ScreenModeEvent }
  | { kind: "reset"; event: ResetEvent }
  | { kind: "sync"; seq: number };

export interface TerminalBatch {
  items: BatchItem[];
  /** Rows that changed (for diff batching); `resync` true when a sync supersedes them. */
  changedRows: number[];
  resync: boolean;
}

type SessionEvents = {
  /** Raw PTY bytes, in order, exactly as read. */
  output: Buffer;
  batch: TerminalBatch;
  input: InputEvent | InputModeEvent;
  /** Bytes that went to the PTY (POST /input, /ws/raw, the local keyboard), as written. */
  written: Uint8Array | string;
  /** The PTY and emulator took a new size. */
  resize: { cols: number; rows: number };
  exit: PtyExit;
};

export class InvalidSizeError extends Error {
  override name = "InvalidSizeError";
}

/** The PTY, the emulator fed by it, the event sequence and the input-capture mode: one terminal. */
export class TerminalSession {
  readonly emulator: ScreenSource;
  readonly pty: PtyProcess;
  readonly events = new Emitter<SessionEvents>();
  /** Resolves after the child exited and its last output was parsed. */
  readonly exited: Promise<PtyExit>;
  #seq = 0;
  /** Output listeners that take a hold on a lent chunk they keep (see `onLentOutput`). */
  readonly #lentListeners = new Set<(chunk: Buffer, lent: SharedBatch | undefined) => void>();
  #inputMode: InputMode = "passthrough";
  #ended = false;

  constructor(o: SessionOptions = {}) {
    const cols = o.cols ?? DEFAULT_COLS;
    const rows = o.rows ?? DEFAULT_ROWS;
    checkSize(cols, rows);
    const emulatorOptions = {
      cols,
      rows,
      scrollback: o.scrollback ?? DEFAULT_SCROLLBACK,
      ...(o.emulatorHighWaterMark
        ? { highWaterMark: o.emulatorHighWaterMark, lowWaterMark: o.emulatorHighWaterMark / 4 }
        : {}),
      ...(o.floodElision !== undefined ? { floodElision: o.floodElision } : {}),
    };
    this.emulator = o.emulatorThread === "main" ? new Emulator(emulatorOptions) : new WorkerEmulator(emulatorOptions);
    this.pty = new PtyProcess(
      {
        cols,
        rows,
        ...(o.command ? { command: o.command } : {}),
        ...(o.args ? { args: o.args } : {}),
        ...(o.cwd ? { cwd: o.cwd } : {}),
        ...(o.env ? { env: o.env } : {}),
        readerThread: o.ptyReader !== "loop",
      },
      (chunk, lent) => {
        // Clients first: forwarding never waits for the emulator. A repaint in progress parks this
        // chunk (it was requested before the chunk reached the emulator, so it does not include it).
        for (const l of this.#lentListeners) l(chunk, lent);
        this.events.emit("output", chunk);
        this.emulator.write(chunk, lent);
      },
      // Lent only while every consumer takes holds: the worker's emulator does, `output` listeners
      // (the recorder, the attached terminal, an embedder's) and the main-thread emulator keep chunks as they are.
      () => this.emulator instanceof WorkerEmulator && this.events.listenerCount("output") === 0,
    );
    // The emulator must see every byte, so it (and only it) may hold the PTY back; clients never do.
    this.emulator.onBacklog = (pause) => (pause ? this.pty.pause() : this.pty.resume());
    this.emulator.onChanges((c) => this.#onChanges(c));
    this.exited = this.pty.exited.then(async (e) => {
      await this.emulator.settled();
      if (this.emulator instanceof WorkerEmulator) this.emulator.dispose();
      this.#ended = true;
      this.events.emit("exit", e);
      return e;
    });
  }

  get ended(): boolean {
    return this.#ended;
  }
  get inputMode(): InputMode {
    return this.#inputMode;
  }

  /**
   * @internal Raw output for a listener that takes a hold (`lent.hold()`) on a lent chunk it keeps
   * past the call and lets go once done with it (the raw stream, until it has joined its batch); an
   * unlent chunk is its own. Same chunks, same order as the `output` event.
   */
  onLentOutput(listener: (chunk: Buffer, lent: SharedBatch | undefined) => void): () => void {
    this.#lentListeners.add(listener);
    return () => this.#lentListeners.delete(listener);
  }

  /** The next value of the terminal-wide event sequence (per socket it is strictly increasing, with gaps). */
  nextSeq(): number {
    return ++this.#seq;
  }

  /** Bytes from POST /input or /ws/raw: straight to the PTY, outside input capture. */
  write(data: Uint8Array | string): boolean {
    const ok = this.pty.write(data);
    if (ok) this.events.emit("written", data);
    return ok;
  }

  /**
   * Bytes from the local keyboard (wsh's own terminal): reported as `input` events, and subject to
   * capture mode, where Ctrl+\ hands the keyboard back to the terminal.
   */
  keyboardInput(raw: Uint8Array): void {
    const mode = this.#inputMode;
    this.events.emit("input", { event: "input", mode, raw: [...raw], parsed: parseKey(raw) });
    if (mode === "capture") {
      if (isCtrlBackslash(raw)) this.setInputMode("passthrough");
      return;
    }
    if (this.pty.write(raw)) this.events.emit("written", raw);
  }

  /** Changes the capture mode; subscribers of `input` hear about real changes. */
  setInputMode(mode: InputMode): void {
    if (this.#inputMode === mode) return;
    this.#inputMode = mode;
    this.events.emit("input", { event: "mode", mode });
  }

  /** Resizes PTY and emulator; subscribers get `reset` (reason `resize`) and a fresh `sync`. */
  resize(cols: number, rows: number): void {
    checkSize(cols, rows);
    this.pty.resize(cols, rows);
    this.emulator.resize(cols, rows);
    this.events.emit("resize", { cols, rows });
  }

  /** Ends the child (SIGHUP, as a closing terminal would). */
  kill(signal?: string): void {
    this.pty.kill(signal);
  }

  #onChanges(c: ScreenChanges): void {
    const items: BatchItem[] = [];
    for (const d of c.discontinuities) {
      if (d.kind === "mode") {
        items.push({ kind: "mode", event: { event: "mode", seq: this.nextSeq(), alternate_active: d.alternate } });
      } else {
        items.push({ kind: "reset", event: { event: "reset", seq: this.nextSeq(), reason: d.reason } });
        items.push({ kind: "sync", seq: this.nextSeq() });
      }
    }
    const total = this.emulator.totalLines;
    for (const index of c.changedRows) items.push({ kind: "line", seq: this.nextSeq(), index, total_lines: total });
    if (c.cursor) items.push({ kind: "cursor", event: { event: "cursor", seq: this.nextSeq(), ...c.cursor } });
    this.events.emit("batch", { items, changedRows: c.changedRows, resync: c.discontinuities.length > 0 });
  }
}

function checkSize(cols: number, rows: number): void {
  const ok = (n: number, min: number) => Number.isInteger(n) && n >= min && n <= MAX_DIMENSION;
  if (!ok(cols, MIN_COLS) || !ok(rows, 1)) {
    throw new InvalidSizeError(
      `cols must be an integer in ${MIN_COLS}..${MAX_DIMENSION} and rows in 1..${MAX_DIMENSION}`,
    );
  }
}
