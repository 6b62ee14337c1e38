// The terminal state shapes shared by REST, /ws/json and the client (wire names are upstream's snake_case).

/** A terminal colour: a palette index (0-255) or a 24-bit RGB value. */
export type Color = { indexed: number } | { rgb: { r: number; g: number; b: number } };

/** A run of cells sharing one style; flags are present only when true, colours only when not default. */
export interface Span {
  text: string;
  fg?: Color;
  bg?: Color;
  bold?: true;
  faint?: true;
  italic?: true;
  underline?: true;
  strikethrough?: true;
  blink?: true;
  inverse?: true;
}

/** `plain` lines are strings; `styled` lines are span arrays (clients must accept both in either format). */
export type FormattedLine = string | Span[];

export type Format = "plain" | "styled";

export interface Cursor {
  row: number;
  col: number;
  visible: boolean;
}

/** `GET /screen`, and the `screen` of `sync` / `diff` events. */
export interface ScreenResponse {
  /** Bumped on every reset (clear, hard reset, alternate screen switch, resize). */
  epoch: number;
  /** Index (in scrollback numbering) of the first visible line: total_lines - rows. */
  first_line_index: number;
  /** History lines plus the visible rows. */
  total_lines: number;
  /** Exactly `rows` lines: the visible screen. */
  lines: FormattedLine[];
  cursor: Cursor;
  cols: number;
  rows: number;
  alternate_active: boolean;
}

/** `GET /scrollback`: all lines including the current screen, index 0 = oldest retained line. */
export interface ScrollbackResponse {
  epoch: number;
  lines: FormattedLine[];
  total_lines: number;
  offset: number;
}

/** The text of a line whichever form it has. */
export function lineText(line: FormattedLine | undefined): string {
  if (line === undefined) return "";
  return typeof line === "string" ? line : line.map((s) => s.text).join("");
}
