import type { WshEvent } from "../protocol/events.js";
import { type Cursor, type FormattedLine, lineText, type ScreenResponse } from "../protocol/screen.js";

/**
 * The client's copy of the screen, kept in sync from /ws/json events: `sync` and `diff` replace it,
 * `line`, `cursor` and screen `mode` patch it, `reset` marks it stale until the `sync` that follows.
 */
export class ScreenModel {
  lines: FormattedLine[] = [];
  cursor: Cursor = { row: 0, col: 0, visible: true };
  cols = 0;
  rows = 0;
  epoch = 0;
  firstLineIndex = 0;
  totalLines = 0;
  scrollbackLines = 0;
  alternateActive = false;
  /** True from a `reset` until the next `sync`, and before the first one. */
  stale = true;

  /** Applies one event; returns true when the model changed. */
  apply(e: WshEvent): boolean {
    switch (e.event) {
      case "sync":
        this.#replace(e.screen);
        this.scrollbackLines = e.scrollback_lines;
        this.stale = false;
        return true;
      case "diff":
        this.#replace(e.screen);
        return true;
      case "line":
        if (e.index < 0 || (this.rows > 0 && e.index >= this.rows)) return false;
        while (this.lines.length < e.index) this.lines.push("");
        this.lines[e.index] = e.line;
        this.totalLines = e.total_lines;
        return true;
      case "cursor":
        this.cursor = { row: e.row, col: e.col, visible: e.visible };
        return true;
      case "mode":
        if (!("alternate_active" in e)) return false;
        this.alternateActive = e.alternate_active;
        return true;
      case "reset":
        this.stale = true;
        return true;
      default:
        return false;
    }
  }

  /** The visible screen as plain text lines (whichever format the lines came in). */
  text(): string[] {
    return this.lines.map((l) => lineText(l).trimEnd());
  }

  #replace(s: ScreenResponse): void {
    this.lines = [...s.lines];
    this.cursor = { ...s.cursor };
    this.cols = s.cols;
    this.rows = s.rows;
    this.epoch = s.epoch;
    this.firstLineIndex = s.first_line_index;
    this.totalLines = s.total_lines;
    this.alternateActive = s.alternate_active;
  }
}
