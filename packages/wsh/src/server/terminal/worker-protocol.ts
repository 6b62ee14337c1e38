import type { Cursor, Format, ScrollbackResponse, Span } from "../../protocol/screen.js";
import type { ScreenChanges } from "./emulator.js";

/** Messages between `WorkerEmulator` (main thread) and `emulator-worker` (worker thread). */
export type ToWorker =
  | { t: "write"; data: Uint8Array; flood: boolean }
  | { t: "resize"; cols: number; rows: number }
  | { t: "scrollback"; id: number; format: Format; offset: number; limit: number }
  | { t: "repaint"; id: number; scrollback: number }
  | { t: "settle"; id: number };

export interface ScreenMeta {
  cols: number;
  rows: number;
  totalLines: number;
  epoch: number;
  alternate: boolean;
  cursor: Cursor;
}

/** Visible rows in both formats: [index, plain, styled]. */
export type RowUpdate = [number, string, Span[]];

export type FromWorker =
  | { t: "changes"; changes: ScreenChanges | undefined; rows: RowUpdate[]; meta: ScreenMeta; full: boolean }
  | { t: "parsed"; bytes: number }
  | { t: "reply"; id: number; value: string | ScrollbackResponse | null };
