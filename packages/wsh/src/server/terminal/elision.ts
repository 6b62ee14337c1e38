/**
 * Flood elision: during a flood the emulator may skip output that provably scrolls out of the
 * buffer (screen + scrollback) before anyone could see it, so it keeps up with the PTY instead of
 * pausing it. xterm parses plain text at roughly 10–30 MiB/s; this scan runs at several hundred.
 *
 * A span [a, b) of a run of plain bytes (printable ASCII, CR, LF) can be dropped when:
 * - at a the cursor is on the bottom row of a full-screen scroll region, so from there on every
 *   line feed or wrap scrolls a fresh line in;
 * - the cursor column at b (processing everything) equals the one at a, and so does the byte
 *   before each, so the text after b prints exactly as it would have;
 * - the text after b, up to the end of the run, scrolls at least `capacity` lines: every line in
 *   the buffer then comes from after b, whichever way it was reached; and it prints something.
 * Attributes, charset and modes cannot change inside such a run, so they are the same at a and b.
 * Everything else (escape sequences, UTF-8, tabs) is never skipped.
 */

import { PrintableScanner } from "./printable-scan.js";

export { nextNonPrintable } from "./printable-scan.js";

/** The terminal state a scan starts from; `undefined` from `elisionStart` when elision is not safe. */
export interface ElisionStart {
  cols: number;
  rows: number;
  /** Lines the buffer holds (rows + scrollback; rows on the alternate screen). */
  capacity: number;
  /** Cursor column, 0..cols (cols: the next printable wraps first). */
  x: number;
  y: number;
  /** LF also returns the carriage (xterm's `convertEol`). */
  convertEol: boolean;
}

interface CoreService {
  modes?: { insertMode?: boolean };
  decPrivateModes?: { wraparound?: boolean };
}

interface XtermInternals {
  _core?: {
    _inputHandler?: {
      _parser?: { currentState?: number };
      _getCurrentLinkId?: () => number | undefined;
      _charsetService?: { charset?: unknown };
    };
    _charsetService?: { charset?: unknown };
    coreService?: CoreService;
    _coreService?: CoreService;
    buffer?: { x?: number; y?: number; scrollTop?: number; scrollBottom?: number };
    optionsService?: { rawOptions?: { convertEol?: boolean; scrollback?: number; screenReaderMode?: boolean } };
    _optionsService?: { rawOptions?: { convertEol?: boolean; scrollback?: number; screenReaderMode?: boolean } };
  };
  rows: number;
  cols: number;
  buffer: { active: { type: string } };
}

/** xterm's parser state for "ground" (plain text prints). */
const GROUND = 0;

/**
 * The state to scan from, read from xterm's internals once it has parsed everything handed to it.
 * Any internal that is missing or unexpected (another xterm version) disables elision.
 */
export function elisionStart(term: unknown): ElisionStart | undefined {
  const t = term as XtermInternals;
  const core = t._core;
  const buffer = core?.buffer;
  const options = (core?._optionsService ?? core?.optionsService)?.rawOptions;
  const charset = core?._charsetService ?? core?._inputHandler?._charsetService;
  const modes = core?.coreService ?? core?._coreService;
  if (!core || !buffer || !options || !charset || !modes) return undefined;
  if (core._inputHandler?._parser?.currentState !== GROUND) return undefined;
  if (modes.decPrivateModes?.wraparound !== true) return undefined;
  if (modes.modes?.insertMode !== false) return undefined;
  if (charset.charset !== undefined) return undefined; // a designated charset may map ASCII to other glyphs
  if (core._inputHandler?._getCurrentLinkId?.()) return undefined; // inside an OSC 8 hyperlink
  if (options.screenReaderMode) return undefined;
  const { x, y, scrollTop, scrollBottom } = buffer;
  if (typeof x !== "number" || typeof y !== "number") return undefined;
  if (scrollTop !== 0 || scrollBottom !== t.rows - 1) return undefined;
  const alternate = t.buffer.active.type === "alternate";
  return {
    cols: t.cols,
    rows: t.rows,
    capacity: t.rows + (alternate ? 0 : (options.scrollback ?? 0)),
    x,
    y,
    convertEol: options.convertEol === true,
  };
}

const CR = 0x0d;
const LF = 0x0a;
/** What a position follows: the join state xterm carries to the next print depends only on it. */
const CLASS_PRINTABLE = 0;
const CLASS_CR = 1;
const CLASS_LF = 2;

/** What a scan of the queued output found. */
export type ElisionScan =
  /** Drop [start, end); the plain run went on to `runEnd` (the end of `chunks`, or a byte that is not plain). */
  | { kind: "span"; start: number; end: number; runEnd: number; column: number }
  /**
   * Nothing to drop before the plain run ends, but a long plain stretch follows: parse up to `at`
   * (a little way into it, past any escape sequence that led into it) and scan again from there.
   */
  | { kind: "resume"; at: number }
  | { kind: "none" };

/** Bytes into a plain stretch at which to resume, so the parser is back in ground state. */
const RESUME_INTO_STRETCH = 64;

/** Consecutive printables after which the rest of a long line is searched for at once. */
const LONG_LINE = 32;

let shared: PrintableScanner | undefined;

/** Searches long lines (in WebAssembly SIMD where available), made at the first scan; scans run one at a time. */
function sharedScanner(): PrintableScanner {
  if (!shared) shared = new PrintableScanner();
  return shared;
}

/**
 * Scans `chunks` (read as one byte string, at most `maxBytes` of it) from state `s`: the leading
 * plain run for a span of at least `minBytes` to drop; failing that, the next plain stretch of at
 * least `minBytes`. `scanner` finds the ends of long lines (tests pass one that never uses wasm).
 */
export function scanForElision(
  chunks: readonly Uint8Array[],
  s: ElisionStart,
  minBytes: number,
  maxBytes: number,
  scanner: PrintableScanner = sharedScanner(),
): ElisionScan {
  const run = new RunScanner(s);
  let pos = 0;
  let stretch = -1; // once the run is over: where the current plain stretch began
  for (const chunk of chunks) {
    if (pos >= maxBytes) break;
    const stop = Math.min(chunk.length, maxBytes - pos);
    let printables = 0;
    let loaded = false; // the chunk's rest is in `scanner`, from the first long line on
    for (let i = 0; i < stop; i++, pos++) {
      const byte = chunk[i] as number;
      const printable = byte >= 0x20 && byte < 0x7f;
      if (run.end >= 0) {
        if (!printable && byte !== LF && byte !== CR) stretch = -1;
        else if (stretch < 0) stretch = pos;
        else if (pos + 1 - stretch >= minBytes) return { kind: "resume", at: stretch + RESUME_INTO_STRETCH };
        continue;
      }
      if (printable) {
        run.printable(pos);
        if (++printables >= LONG_LINE && run.anchoredOnPrintable) {
          // A long line: find its end at once and account for it in one step.
          if (!loaded) {
            scanner.load(chunk, i + 1, stop);
            loaded = true;
          }
          const next = scanner.next(i + 1, stop);
          run.printables(pos + 1, next - i - 1);
          pos += next - i - 1;
          i = next - 1;
          printables = 0;
        }
        continue;
      }
      printables = 0;
      if (byte === LF) run.lineFeed(pos);
      else if (byte === CR) run.carriageReturn(pos);
      else {
        const span = run.span(pos, minBytes);
        if (span) return span;
        run.end = pos;
      }
    }
  }
  return (run.end < 0 && run.span(pos, minBytes)) || { kind: "none" };
}

let ringPositions = new Float64Array(0);
let ringLines = new Float64Array(0);

/**
 * Follows the cursor column and the lines scrolled through a plain run, keeping the anchor a
 * (the start of the span) and the candidates for b.
 */
class RunScanner {
  readonly #cols: number;
  readonly #capacity: number;
  readonly #convertEol: boolean;
  readonly #toBottom: number;
  /** Where the run ended (a byte that is not plain), or -1. */
  end = -1;
  #x: number;
  #lines = 0; // line feeds and wraps so far
  #printed = false;
  #a = -1;
  #xa = 0;
  #classA = 0;
  #linesAtA = 0;
  /** An anchor that does not recur (the column pattern was still settling) is replaced. */
  readonly #reanchorLines: number;
  // Candidates for b: at most one per line count, in a ring holding the last `capacity` lines'
  // worth; a candidate becomes final (`#best`) once `capacity` more lines followed it.
  readonly #ring: number;
  readonly #candPos: Float64Array;
  readonly #candLines: Float64Array;
  #head = 0;
  #size = 0;
  #lastCandLines = -1;
  #best = -1;

  constructor(s: ElisionStart) {
    this.#cols = s.cols;
    this.#capacity = s.capacity;
    this.#convertEol = s.convertEol;
    this.#toBottom = s.rows - 1 - s.y;
    this.#x = s.x;
    this.#reanchorLines = 2 * s.cols + 2;
    this.#ring = s.capacity + 2;
    // Scans run one at a time and often (every few ms in a flood): the rings are reused.
    if (ringPositions.length < this.#ring) {
      ringPositions = new Float64Array(this.#ring);
      ringLines = new Float64Array(this.#ring);
    }
    this.#candPos = ringPositions;
    this.#candLines = ringLines;
  }

  /** The anchor follows a printable, so every full line of printables holds a candidate. */
  get anchoredOnPrintable(): boolean {
    return this.#a >= 0 && this.#classA === CLASS_PRINTABLE;
  }

  printable(pos: number): void {
    if (this.#x >= this.#cols) {
      this.#x = 0;
      this.#lines++;
    }
    this.#x++;
    this.#printed = true;
    this.#after(pos + 1, CLASS_PRINTABLE);
  }

  /** `n` printables from `from` on, anchored on a printable: O(lines), not O(bytes). */
  printables(from: number, n: number): void {
    if (n <= 0) return;
    const cols = this.#cols;
    const xa = this.#xa;
    const x = this.#x;
    const room = x < cols ? cols - x : 0; // printables before the first wrap
    if (xa > x && xa - x <= Math.min(room, n)) this.#candidate(from + xa - x, this.#lines);
    if (n <= room) {
      this.#x = x + n;
      return;
    }
    const rest = n - room;
    const wraps = Math.ceil(rest / cols);
    for (let w = 1; w <= wraps; w++) {
      const k = room + (w - 1) * cols + xa; // printables up to and including the one at column xa
      if (k > n) break;
      this.#candidate(from + k, this.#lines + w);
    }
    this.#lines += wraps;
    this.#x = rest - (wraps - 1) * cols;
  }

  lineFeed(pos: number): void {
    if (this.#convertEol) this.#x = 0;
    if (this.#x >= this.#cols) this.#x = this.#cols - 1;
    this.#lines++;
    this.#after(pos + 1, CLASS_LF);
  }

  carriageReturn(pos: number): void {
    this.#x = 0;
    this.#after(pos + 1, CLASS_CR);
  }

  /** The span to drop as of position `runEnd`, if one of at least `minBytes` is final. */
  span(runEnd: number, minBytes: number): ElisionScan | undefined {
    this.#settle(this.#lines);
    if (this.#a < 0 || this.#best < 0 || this.#best - this.#a < minBytes) return undefined;
    return { kind: "span", start: this.#a, end: this.#best, runEnd, column: this.#xa };
  }

  #after(at: number, cls: number): void {
    if (this.#a < 0 || (this.#best < 0 && this.#size === 0 && this.#lines - this.#linesAtA > this.#reanchorLines)) {
      if (this.#lines >= this.#toBottom && this.#printed) {
        this.#a = at;
        this.#xa = this.#x;
        this.#classA = cls;
        this.#linesAtA = this.#lines;
      }
      return;
    }
    if (this.#x === this.#xa && cls === this.#classA) this.#candidate(at, this.#lines);
  }

  #candidate(at: number, lines: number): void {
    if (lines === this.#lastCandLines) return;
    this.#lastCandLines = lines;
    const slot = (this.#head + this.#size) % this.#ring;
    this.#candPos[slot] = at;
    this.#candLines[slot] = lines;
    if (this.#size < this.#ring) this.#size++;
    else this.#head = (this.#head + 1) % this.#ring;
    this.#settle(lines);
  }

  /** Candidates followed by `capacity` lines by now are final. */
  #settle(lines: number): void {
    while (this.#size > 0 && (this.#candLines[this.#head] as number) + this.#capacity <= lines) {
      this.#best = this.#candPos[this.#head] as number;
      this.#head = (this.#head + 1) % this.#ring;
      this.#size--;
    }
  }
}

/** `chunks` split at `at` into the bytes before and after it, sharing memory with them. */
export function splitChunks(chunks: readonly Uint8Array[], at: number): [Uint8Array[], Uint8Array[]] {
  const before: Uint8Array[] = [];
  const after: Uint8Array[] = [];
  let pos = 0;
  for (const c of chunks) {
    if (pos + c.length <= at) before.push(c);
    else if (pos >= at) after.push(c);
    else {
      before.push(c.subarray(0, at - pos));
      after.push(c.subarray(at - pos));
    }
    pos += c.length;
  }
  return [before, after];
}

/**
 * Where, after position `from` (cursor column `x`, inside a plain run), a screenful (`rows`) and
 * a whole buffer (`capacity`) of lines have scrolled in: from `screen` on the visible rows hold
 * nothing from before `from`, from `buffer` on no line does. The end of `chunks` where the run
 * is shorter. One pass for both.
 */
export function afterLines(
  chunks: readonly Uint8Array[],
  from: number,
  x: number,
  s: ElisionStart,
): { screen: number; buffer: number } {
  let pos = 0;
  let lines = 0;
  let screen = -1;
  for (const chunk of chunks) {
    if (pos + chunk.length <= from) {
      pos += chunk.length;
      continue;
    }
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Every byte but LF and CR prints one cell: a stretch of them is counted at once, the next LF and
    // CR found with indexOf (each looked for again only once passed).
    let nextLf = -2;
    let nextCr = -2;
    let i = Math.max(0, from - pos);
    while (i < b.length) {
      if (nextLf !== -1 && nextLf < i) nextLf = b.indexOf(LF, i);
      if (nextCr !== -1 && nextCr < i) nextCr = b.indexOf(CR, i);
      const stop = Math.min(nextLf < 0 ? b.length : nextLf, nextCr < 0 ? b.length : nextCr);
      const k = stop - i;
      if (k > 0) {
        // Printing k cells from column x wraps w times; the m-th wrap happens on the byte at
        // i + m * cols - x (the one printed when the cursor stands past the last column).
        const t = x + k;
        const w = t > s.cols ? Math.ceil((t - s.cols) / s.cols) : 0;
        if (screen < 0 && lines + w >= s.rows) screen = pos + i + (s.rows - lines) * s.cols - x + 1;
        if (lines + w >= s.capacity) return { screen, buffer: pos + i + (s.capacity - lines) * s.cols - x + 1 };
        lines += w;
        x = t - w * s.cols;
        i = stop;
      }
      if (i >= b.length) break;
      if (b[i] === LF) {
        if (s.convertEol) x = 0;
        if (x >= s.cols) x = s.cols - 1;
        lines++;
      } else x = 0; // CR
      if (screen < 0 && lines >= s.rows) screen = pos + i + 1;
      if (lines >= s.capacity) return { screen, buffer: pos + i + 1 };
      i++;
    }
    pos += chunk.length;
  }
  return { screen: screen < 0 ? pos : screen, buffer: pos };
}
