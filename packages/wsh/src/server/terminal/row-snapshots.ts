import type { IBufferLine } from "@xterm/headless";

/**
 * Change scans compare every visible row with the previous scan. Rendering a row (styled spans,
 * then a JSON key) costs tens of microseconds; comparing xterm's packed cells with a copy taken at
 * the last scan costs well under one. So a row whose cells did not change is not rendered again,
 * and a scan costs in proportion to what changed (one progress line, not the whole screen).
 *
 * xterm keeps a line's cells as three words each (content, fg, bg) in `_line._data`. A cell whose
 * text is a combined string or whose attributes are extended (underline style and colour, links)
 * keeps part of itself beside those words: such rows are always rendered. Any internal that is
 * missing or unexpected (another xterm version) means every row is rendered, as before.
 */

const CELL_WORDS = 3;
/** Content word: the cell's text lives in the line's `_combined` map. */
const IS_COMBINED = 0x200000;
/** Bg word: the cell has attributes in the line's `_extendedAttrs` map. */
const HAS_EXTENDED = 0x10000000;

/** A line's packed cells, when xterm's internals are as expected. */
export function packedCells(line: IBufferLine | undefined): Uint32Array | undefined {
  const inner = (line as unknown as { _line?: { _data?: unknown; length?: unknown } } | undefined)?._line;
  const data = inner?._data;
  if (!(data instanceof Uint32Array) || typeof inner?.length !== "number") return undefined;
  return data.length === CELL_WORDS * inner.length ? data : undefined;
}

/** Whether every cell is described by its three words alone. */
function selfContained(words: Uint32Array): boolean {
  for (let i = 0; i < words.length; i += CELL_WORDS) {
    if ((words[i] as number) & IS_COMBINED || (words[i + 2] as number) & HAS_EXTENDED) return false;
  }
  return true;
}

/** The packed cells of each visible row as of its last rendering. */
export class RowSnapshots {
  #rows: Array<Uint32Array | undefined> = [];

  /** Whether row `index` holds exactly the cells it held when last remembered. */
  unchanged(index: number, line: IBufferLine | undefined): boolean {
    const before = this.#rows[index];
    if (!before) return false;
    const now = packedCells(line);
    if (!now || now.length !== before.length) return false;
    for (let i = 0; i < now.length; i++) if (now[i] !== before[i]) return false;
    return true;
  }

  /** Notes the cells row `index` was rendered from (nothing when they cannot be compared). */
  remember(index: number, line: IBufferLine | undefined): void {
    const words = packedCells(line);
    this.#rows[index] = words && selfContained(words) ? words.slice() : undefined;
  }

  /** Forgets every row (all are rendered at the next scan), and keeps at most `rows` of them. */
  reset(rows = 0): void {
    this.#rows = [];
    this.#rows.length = rows;
  }

  /** Keeps the first `rows` rows. */
  truncate(rows: number): void {
    this.#rows.length = Math.min(this.#rows.length, rows);
  }
}
