import { ChunkBatch, WriteBacklog } from "./write-backlog.js";
import type { IBufferCell } from "@xterm/headless";
import type { ResetReason } from "../../protocol/events.js";
import type { Cursor, Format, FormattedLine, ScreenResponse, ScrollbackResponse, Span } from "../../protocol/screen.js";
import { afterLines, elisionStart, scanForElision, splitChunks } from "./elision.js";
import { formatLine, plainLine, styledLine } from "./format.js";
import { RowSnapshots } from "./row-snapshots.js";
import { SerializeAddon, Terminal } from "./xterm.js";

/** Most unparsed bytes handed to xterm at once (the rest waits in our own queue). */
const MAX_IN_XTERM = 512 * 1024;
/** Largest single write handed to xterm. */
const MAX_WRITE = 256 * 1024;
/** Flood elision defaults (see `EmulatorOptions.floodElision`). */
const ELISION = { scanBytes: 1024 * 1024, minSpan: 64 * 1024, maxScan: 16 * 1024 * 1024, holdMs: 10, maxHoldMs: 200 };

/**
 * A flood counts as over after this many `holdMs` without output, or this many of its usual gaps
 * between batches if longer (at most `maxHoldMs`).
 */
const QUIET_HOLDS = 10;
const QUIET_GAPS = 3;
/** A flood whose latest read was long counts as over after this many `maxHoldMs` without output. */
const STALLED_HOLDS = 5;

/** A break in continuity the protocol reports as `mode` and/or `reset` (+ a fresh `sync`). */
export type Discontinuity = { kind: "mode"; alternate: boolean } | { kind: "reset"; reason: ResetReason };

/** What changed since the previous scan. */
export interface ScreenChanges {
  discontinuities: Discontinuity[];
  /** Visible rows whose content or style changed (empty after a discontinuity: a sync covers them). */
  changedRows: number[];
  /** Set when row, col or visibility changed. */
  cursor: Cursor | undefined;
}

export interface EmulatorOptions {
  cols: number;
  rows: number;
  scrollback: number;
  /** Pending (unparsed) bytes above which `onBacklog(true)` asks the producer to pause. */
  highWaterMark?: number;
  /** Pending bytes below which `onBacklog(false)` lets it resume. */
  lowWaterMark?: number;
  /** Shortest time between two change scans during continuous output, ms (default 16). */
  scanIntervalMs?: number;
  /** Worker only: parse at a lower CPU priority than the thread forwarding raw output (default true). */
  lowPriority?: boolean;
  /**
   * Flood elision (elision.ts): once `scanBytes` of output wait unparsed, plain text that would
   * scroll out of the buffer unseen is skipped, in spans of at least `minSpan` bytes, looking at
   * most `maxScan` bytes ahead. The resulting state is the same; `false` turns it off. While the
   * flood goes on, parsing what is left waits `holdMs` at a time (at most `maxHoldMs` in a row),
   * as more output may make it unseen too: the screen then lags the flood by up to `maxHoldMs`.
   */
  floodElision?: false | Partial<typeof ELISION>;
}

/**
 * The server's model of the screen: a headless xterm fed with the PTY's bytes. It reports, after
 * each parsed batch, which visible rows changed, cursor moves, and the resets the protocol names
 * (detected with parser hooks, since xterm has no public events for them).
 */
export class Emulator {
  readonly term: Terminal;
  #serializer: SerializeAddon;
  #cell: IBufferCell;
  #rows: Array<{ key: string; spans: Span[] }> = [];
  /** The cells each row in `#rows` was rendered from: unchanged rows are not rendered again. */
  readonly #snapshots = new RowSnapshots();
  #cursor: Cursor;
  #cursorVisible = true;
  #discontinuities: Discontinuity[] = [];
  #scanScheduled = false;
  readonly #backlog: WriteBacklog;
  readonly #batch = new ChunkBatch(() => this.#flush());
  /** Parsed-order queue of writes not yet handed to xterm, and callbacks to run between them. */
  #queue: Array<Uint8Array | (() => void)> = [];
  #inXterm = 0;
  /** Callbacks in `#queue`, and those handed to xterm that have not run yet. */
  #waiting = 0;
  #callbacksInXterm = 0;
  /**
   * Where the latest elided run has scrolled `capacity` lines past its span (stream position):
   * until xterm has parsed that far, the buffer differs from the real one (the scrollback still
   * holds lines from before the span) and its geometry must not change.
   */
  #elisionSettlesAt = 0;
  /** All bytes ever queued, and all that left the queue (handed to xterm or elided). */
  #queuedTotal = 0;
  #dequeuedTotal = 0;
  /** The next elision scan is due once `#queuedTotal` and `#dequeuedTotal` reach these. */
  #scanAtQueued: number;
  #scanAtDequeued = 0;
  /** While set, parsing waits (a flood is being elided); such waits began at `#holdingSince` (-1: none). */
  #holdingSince = -1;
  /** Output came as a flood (long PTY reads back to back), and the flood is not over yet. */
  #floodInput = false;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  /** When output last arrived (performance.now()), and the usual time between a flood's batches, ms. */
  #lastInputAt = 0;
  #floodGap = 0;
  /** The latest batch ended with a long read: more of the flood is surely on its way. */
  #floodGoesOn = false;
  /** Some of the current flood was elided. */
  #floodElided = false;
  readonly #elision: typeof ELISION | undefined;
  /** Queue items xterm must get in one write. */
  readonly #whole = new WeakSet<Uint8Array>();
  /** Bytes skipped by flood elision so far. */
  elidedBytes = 0;
  #epoch = 0;
  #lastScan = Number.NEGATIVE_INFINITY;
  readonly #scanIntervalMs: number;
  readonly #listeners = new Set<(c: ScreenChanges) => void>();
  /** Called when the unparsed backlog crosses the watermarks (true = please pause). */
  onBacklog: (pause: boolean) => void = () => {};
  /** Called with the size of each batch once xterm has parsed it. */
  onParsed: (bytes: number) => void = () => {};

  constructor(o: EmulatorOptions) {
    this.term = new Terminal({ cols: o.cols, rows: o.rows, scrollback: o.scrollback, allowProposedApi: true });
    this.#serializer = new SerializeAddon();
    this.term.loadAddon(this.#serializer as never);
    this.#cell = this.term.buffer.active.getNullCell();
    this.#backlog = new WriteBacklog(o.highWaterMark ?? 4 * 1024 * 1024, o.lowWaterMark ?? 1024 * 1024, (pause) =>
      this.onBacklog(pause),
    );
    this.#scanIntervalMs = o.scanIntervalMs ?? 16;
    this.#elision = o.floodElision === false ? undefined : { ...ELISION, ...o.floodElision };
    this.#scanAtQueued = this.#elision?.scanBytes ?? Number.POSITIVE_INFINITY;
    this.#installHooks();
    this.#rebuildRows();
    this.#cursor = this.cursor();
  }

  get epoch(): number {
    return this.#epoch;
  }
  get cols(): number {
    return this.term.cols;
  }
  get rows(): number {
    return this.term.rows;
  }
  get alternateActive(): boolean {
    return this.term.buffer.active.type === "alternate";
  }
  /** Bytes written but not parsed yet. */
  get pendingBytes(): number {
    return this.#backlog.pending;
  }

  onChanges(listener: (c: ScreenChanges) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  write(chunk: Uint8Array): void {
    this.#backlog.added(chunk.length);
    this.#batch.push(chunk);
  }

  #flush(): void {
    const { parts, bytes, flood } = this.#batch.take();
    if (parts.length === 0) return;
    // Small PTY reads are joined (fewer xterm writes); large pieces are not copied again.
    this.#enqueue(
      parts.length === 1 || bytes >= parts.length * 16 * 1024 ? parts : [Buffer.concat(parts, bytes)],
      flood,
    );
  }

  /**
   * Output that arrives batched already (the worker gets one message per batch): queued as is,
   * without collecting it again. `flood` says whether it came as a flood (see ChunkBatch).
   */
  writeBatch(data: Uint8Array, flood: boolean): void {
    this.#backlog.added(data.length);
    this.#enqueue([data], flood);
  }

  #enqueue(parts: Uint8Array[], flood: boolean): void {
    const now = performance.now();
    // How far apart a flood's batches come (a busy machine spaces them out): see #hold.
    if (flood && this.#floodInput) this.#floodGap += (Math.min(now - this.#lastInputAt, 1000) - this.#floodGap) / 4;
    // Once a flood, until it is over (see #hold): a busy flood has short reads now and then.
    if (flood) this.#floodInput = true;
    this.#floodGoesOn = flood;
    this.#lastInputAt = now;
    for (const p of parts) {
      this.#queue.push(p);
      this.#queuedTotal += p.length;
    }
    // A short end before anything was elided: output that only began with long reads (a redraw,
    // say), no flood to wait for.
    if (!flood && this.#holdTimer && !this.#floodElided) this.#endHold();
    this.#pump();
  }

  /**
   * Hands queued writes to xterm, at most MAX_IN_XTERM bytes at a time: xterm discards (throws)
   * past 50 MB of unparsed data, while our backlog is bounded only by the high-water mark.
   * Callbacks in the queue run in order with the data around them.
   */
  #pump(): void {
    while (this.#queue.length > 0) {
      if (this.#holdTimer) return; // resumed by the hold's timer or by afterParsed
      if (this.#scanDue()) {
        // xterm's state is read once it has caught up, callbacks included (one may resize it).
        if (this.#inXterm > 0 || this.#callbacksInXterm > 0) return;
        this.#elide();
        continue;
      }
      // A flood has begun: let it queue up for a scan instead of parsing as it comes (parsing on
      // the main thread would also hold back the PTY reads that feed the queue).
      if (
        this.#floodInput &&
        this.#elision &&
        this.#queuedBytes() < this.#elision.scanBytes &&
        this.#hold(this.#elision)
      ) {
        return;
      }
      if (this.#inXterm >= MAX_IN_XTERM) return;
      let item = this.#queue.shift() as Uint8Array | (() => void);
      if (typeof item === "function") {
        const fn = item;
        this.#waiting--;
        this.#callbacksInXterm++;
        this.term.write("", () => {
          this.#callbacksInXterm--;
          fn();
          this.#pump(); // a scan may be waiting for this callback
        });
        continue;
      }
      // Never past a pending scan position, and in pieces xterm's state can be read between
      // (except the piece that joins an elided span's two sides: see #elide).
      const until = this.#scanAtDequeued - this.#dequeuedTotal;
      const limit = until > 0 && until < item.length ? until : MAX_WRITE;
      if (item.length > limit && !this.#whole.has(item)) {
        this.#queue.unshift(item.subarray(limit));
        item = item.subarray(0, limit);
      }
      const piece = item;
      this.#dequeuedTotal += piece.length;
      this.#inXterm += piece.length;
      this.term.write(piece, () => this.#parsed(piece.length));
    }
  }

  /** Bytes in `#queue`. */
  #queuedBytes(): number {
    return this.#queuedTotal - this.#dequeuedTotal;
  }

  #scanDue(): boolean {
    return (
      this.#elision !== undefined &&
      this.#queuedBytes() >= this.#elision.scanBytes &&
      this.#queuedTotal >= this.#scanAtQueued &&
      this.#dequeuedTotal >= this.#scanAtDequeued
    );
  }

  /**
   * Flood elision (elision.ts): drops queued output that would scroll out of the buffer unseen,
   * or, when a long plain stretch lies ahead, arranges to look again once xterm reached it.
   * Otherwise the next look waits for another `scanBytes` of output.
   */
  #elide(): void {
    const o = this.#elision;
    if (!o) return;
    this.#scanAtQueued = this.#queuedTotal + o.scanBytes;
    const start = elisionStart(this.term);
    if (!start) return;
    let n = 0;
    while (n < this.#queue.length && typeof this.#queue[n] !== "function") n++;
    const data = this.#queue.slice(0, n) as Uint8Array[];
    const scan = scanForElision(data, start, o.minSpan, o.maxScan);
    if (scan.kind === "span") {
      const skipped = scan.end - scan.start;
      // What precedes the span and the first screenful after it go to xterm as one write: between
      // them the upper rows would still show lines from before the span, a screen that never was.
      const [lead, rest] = splitChunks(data, scan.start);
      const settles = afterLines(data, scan.end, scan.column, start);
      const [first, tail] = splitChunks(splitChunks(rest, skipped)[1], settles.screen - scan.end);
      this.#elisionSettlesAt = this.#dequeuedTotal + settles.buffer;
      const joined = Buffer.concat([...lead, ...first]);
      this.#whole.add(joined);
      this.#queue.splice(0, n, joined, ...tail);
      this.#dequeuedTotal += skipped;
      this.elidedBytes += skipped;
      this.#floodElided = true;
      this.onParsed(skipped);
      this.#backlog.parsed(skipped);
      const total = data.reduce((sum, c) => sum + c.length, 0);
      if (scan.runEnd < total) {
        // Look again where the run ended: more plain output may follow an escape sequence.
        this.#scanAtQueued = 0;
        this.#scanAtDequeued = this.#dequeuedTotal + scan.runEnd - skipped;
        this.#holdingSince = -1;
      } else {
        // The screen moves on to the span's far side now (the joined piece is short: what led into
        // the span and a screenful); the rest waits for more of the flood, and the time the
        // screen may lag it starts over.
        this.#queue.shift();
        this.#dequeuedTotal += joined.length;
        this.#inXterm += joined.length;
        this.term.write(joined, () => this.#parsed(joined.length));
        this.#holdingSince = -1;
        this.#hold(o);
      }
    } else if (scan.kind === "resume") {
      const [before, after] = splitChunks(data, scan.at);
      this.#queue.splice(0, n, ...before, ...after);
      this.#scanAtQueued = 0;
      this.#scanAtDequeued = this.#dequeuedTotal + scan.at;
    }
  }

  /**
   * The run reached the end of the queue, so the flood may go on: wait a little before parsing
   * what is left, then scan again with whatever arrived meanwhile. A scan reads the whole queue, so
   * it waits (up to `maxHoldMs` since the screen last moved) until the new output is at least as
   * long as what was left: each byte is scanned about twice, not once per `holdMs`. The flood
   * is over after a quiet spell of ten `holdMs`, or of a few of the flood's usual gaps (a busy
   * machine spaces a flood's batches out), not at its first short read; when its latest read was
   * long (more output is waiting: the producer or the reading thread is only starved), after
   * five `maxHoldMs`. Parsing what is left costs about a buffer's worth of lines that the flood
   * would likely have made unseen.
   */
  #hold(o: typeof ELISION): boolean {
    if (this.#waiting > 0) return false; // somebody waits for the screen: no hold
    const now = performance.now();
    if (this.#holdingSince < 0) this.#holdingSince = now;
    if (now - this.#holdingSince >= o.maxHoldMs) {
      this.#holdingSince = -1; // parse now: the screen may lag a flood by maxHoldMs at most
      this.#floodInput = false;
      this.#floodElided = false;
      return false;
    }
    const queuedAtHold = this.#queuedTotal;
    const left = this.#queuedBytes();
    const tick = () => {
      const t = performance.now();
      const more = this.#queuedTotal - queuedAtHold;
      const late = t - this.#holdingSince >= o.maxHoldMs;
      // A flood whose latest read was long is only stalled (a busy machine starves its producer or
      // the thread reading it), so it waits longer before counting as over.
      const quietMs = this.#floodGoesOn
        ? STALLED_HOLDS * o.maxHoldMs
        : Math.min(o.maxHoldMs, Math.max(QUIET_HOLDS * o.holdMs, QUIET_GAPS * this.#floodGap));
      const quiet = t - Math.max(this.#lastInputAt, this.#holdingSince) >= quietMs;
      if (more > 0 && (more >= left || late)) {
        this.#holdTimer = undefined;
        this.#scanAtQueued = 0; // scan what arrived together with what was left
      } else if (quiet || (!this.#floodGoesOn && (late || !this.#floodElided))) {
        // Over: quiet long enough, or the latest read was short and either the screen is due or
        // nothing was elided yet (output that may be no flood at all, say a full-screen redraw).
        this.#holdTimer = undefined;
        this.#holdingSince = -1; // the flood is over
        this.#floodInput = false;
        this.#floodElided = false;
      } else {
        this.#holdTimer = setTimeout(tick, o.holdMs); // the flood goes on: collect more first
        return;
      }
      this.#pump();
    };
    this.#holdTimer = setTimeout(tick, o.holdMs);
    return true;
  }

  #endHold(): void {
    this.#floodInput = false;
    this.#floodElided = false;
    if (!this.#holdTimer) return;
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    this.#holdingSince = -1;
  }

  #parsed(bytes: number): void {
    this.#inXterm -= bytes;
    this.onParsed(bytes);
    this.#backlog.parsed(bytes);
    this.#pump();
    this.#scheduleScan();
  }

  /** Runs `fn` once everything written so far is parsed, before anything written later. */
  afterParsed(fn: () => void): void {
    this.#endHold(); // somebody waits for the screen
    this.#flush();
    this.#queue.push(fn);
    this.#waiting++;
    this.#pump();
  }

  /** The repaint (see `repaint`) as of everything written so far, before anything written later. */
  repaintWhenParsed(scrollback: number): Promise<string> {
    return new Promise((resolve) => this.afterParsed(() => resolve(this.repaint(scrollback))));
  }

  /**
   * `scrollback()` behind the same async signature as the worker-backed emulator. Right after an
   * elision the history still holds lines from before the skipped span until the rest of the run
   * is parsed: the answer then waits for the output written so far (a few ms).
   */
  readScrollback(format: Format, offset: number, limit: number): Promise<ScrollbackResponse> {
    if (!this.#elisionUnsettled()) return Promise.resolve(this.scrollback(format, offset, limit));
    return new Promise((resolve) => this.afterParsed(() => resolve(this.scrollback(format, offset, limit))));
  }

  #elisionUnsettled(): boolean {
    return this.#dequeuedTotal - this.#inXterm < this.#elisionSettlesAt;
  }

  /** Resolves once everything written so far is parsed and reported. */
  settled(): Promise<void> {
    return new Promise((resolve) =>
      this.afterParsed(() => {
        this.scan();
        resolve();
      }),
    );
  }

  resize(cols: number, rows: number): void {
    const apply = () => {
      this.term.resize(cols, rows);
      this.#discontinuity({ kind: "reset", reason: "resize" });
    };
    this.#flush();
    // In stream order: output written before the resize was meant for the old size (and an
    // elision in progress was computed for it), so while any is unparsed the resize waits for it.
    if (this.#queue.length === 0 && this.#inXterm === 0 && this.#callbacksInXterm === 0) apply();
    else this.afterParsed(apply);
  }

  cursor(): Cursor {
    const b = this.term.buffer.active;
    return { row: b.cursorY, col: Math.min(b.cursorX, this.term.cols - 1), visible: this.#cursorVisible };
  }

  /** Visible row `index` in the given format. */
  line(index: number, format: Format): FormattedLine {
    if (format === "styled") return this.#rows[index]?.spans ?? [];
    const b = this.term.buffer.active;
    return plainLine(b.getLine(b.baseY + index));
  }

  get totalLines(): number {
    return this.term.buffer.active.length;
  }

  screen(format: Format): ScreenResponse {
    const b = this.term.buffer.active;
    const rows = this.term.rows;
    const lines: FormattedLine[] = [];
    for (let i = 0; i < rows; i++) lines.push(formatLine(b.getLine(b.baseY + i), format, this.#cell));
    const total = b.length;
    return {
      epoch: this.#epoch,
      first_line_index: Math.max(0, total - rows),
      total_lines: total,
      lines,
      cursor: this.cursor(),
      cols: this.term.cols,
      rows,
      alternate_active: this.alternateActive,
    };
  }

  scrollback(format: Format, offset: number, limit: number): ScrollbackResponse {
    const b = this.term.buffer.active;
    const total = b.length;
    const lines: FormattedLine[] = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++)
      lines.push(formatLine(b.getLine(i), format, this.#cell));
    return { epoch: this.#epoch, lines, total_lines: total, offset };
  }

  /**
   * Bytes that repaint the current state on a fresh or stale terminal: a hard reset, then the
   * screen (with up to `scrollback` history lines, modes and the alternate buffer), then the cursor visibility.
   */
  repaint(scrollback: number): string {
    const body = this.#serializer.serialize({ scrollback });
    return `\x1bc${body}${this.#cursorVisible ? "" : "\x1b[?25l"}`;
  }

  /** Compares the screen with the previous scan and tells the listeners. */
  scan(): void {
    this.#scanScheduled = false;
    this.#lastScan = performance.now();
    const discontinuities = this.#discontinuities;
    this.#discontinuities = [];
    let changedRows: number[] = [];
    if (discontinuities.length > 0) {
      this.#rebuildRows();
    } else {
      changedRows = this.#diffRows();
    }
    const c = this.cursor();
    const prev = this.#cursor;
    // After a discontinuity the sync that follows carries the cursor.
    const cursorChanged =
      discontinuities.length === 0 && (c.row !== prev.row || c.col !== prev.col || c.visible !== prev.visible);
    this.#cursor = c;
    if (discontinuities.length === 0 && changedRows.length === 0 && !cursorChanged) return;
    const changes: ScreenChanges = { discontinuities, changedRows, cursor: cursorChanged ? c : undefined };
    for (const l of this.#listeners) l(changes);
  }

  dispose(): void {
    this.#endHold();
    this.#listeners.clear();
    this.term.dispose();
  }

  #scheduleScan(): void {
    if (this.#scanScheduled) return;
    this.#scanScheduled = true;
    // Right after the parsed batch when idle (a keystroke echo goes out at once); during a flood at
    // most one scan per `scanIntervalMs`, so the cost stays flat however many chunks arrive.
    const wait = this.#lastScan + this.#scanIntervalMs - performance.now();
    if (wait <= 0) setImmediate(() => this.scan());
    else setTimeout(() => this.scan(), wait);
  }

  #discontinuity(d: Discontinuity): void {
    this.#epoch++;
    this.#discontinuities.push(d);
    this.#scheduleScan();
  }

  #renderRow(i: number): { key: string; spans: Span[] } {
    const b = this.term.buffer.active;
    const line = b.getLine(b.baseY + i);
    this.#snapshots.remember(i, line);
    const spans = styledLine(line, this.#cell);
    return { key: JSON.stringify(spans), spans };
  }

  #rebuildRows(): void {
    this.#rows = [];
    this.#snapshots.reset();
    for (let i = 0; i < this.term.rows; i++) this.#rows.push(this.#renderRow(i));
  }

  #diffRows(): number[] {
    const changed: number[] = [];
    const rows = this.term.rows;
    const b = this.term.buffer.active;
    for (let i = 0; i < rows; i++) {
      // Same cells as at the last scan: the same rendering (see row-snapshots.ts).
      if (this.#rows[i] && this.#snapshots.unchanged(i, b.getLine(b.baseY + i))) continue;
      const r = this.#renderRow(i);
      if (this.#rows[i]?.key !== r.key) changed.push(i);
      this.#rows[i] = r;
    }
    this.#rows.length = rows;
    this.#snapshots.truncate(rows);
    return changed;
  }

  #installHooks(): void {
    const p = this.term.parser;
    // Handlers return false so xterm still performs the sequence; we only take note.
    p.registerCsiHandler({ final: "J" }, (params) => {
      if (params.includes(2)) this.#discontinuity({ kind: "reset", reason: "clear_screen" });
      if (params.includes(3)) this.#discontinuity({ kind: "reset", reason: "clear_scrollback" });
      return false;
    });
    p.registerEscHandler({ final: "c" }, () => {
      this.#cursorVisible = true;
      this.#discontinuity({ kind: "reset", reason: "hard_reset" });
      return false;
    });
    p.registerCsiHandler({ intermediates: "!", final: "p" }, () => {
      this.#cursorVisible = true; // DECSTR soft reset shows the cursor
      return false;
    });
    const dectcem = (visible: boolean) => (params: (number | number[])[]) => {
      if (params.includes(25)) this.#cursorVisible = visible;
      return false;
    };
    p.registerCsiHandler({ prefix: "?", final: "h" }, dectcem(true));
    p.registerCsiHandler({ prefix: "?", final: "l" }, dectcem(false));
    let wasAlternate = false;
    this.term.buffer.onBufferChange((buf) => {
      const alternate = buf.type === "alternate";
      // A hard reset re-announces the normal buffer even when it was already active.
      if (alternate === wasAlternate) return;
      wasAlternate = alternate;
      this.#discontinuities.push({ kind: "mode", alternate });
      this.#discontinuity({ kind: "reset", reason: alternate ? "alternate_screen_enter" : "alternate_screen_exit" });
    });
  }
}
