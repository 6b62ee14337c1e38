import type { Cursor, Format, FormattedLine, ScreenResponse, ScrollbackResponse } from "../../protocol/screen.js";
import type { ScreenChanges } from "./emulator.js";
import type { SharedBatch } from "./shared-join.js";

/**
 * What the session and the streams need from a terminal emulator. `Emulator` runs xterm on the
 * calling thread; `WorkerEmulator` runs it on a worker thread and mirrors the visible screen here.
 */
export interface ScreenSource {
  readonly epoch: number;
  readonly cols: number;
  readonly rows: number;
  readonly alternateActive: boolean;
  readonly totalLines: number;
  readonly pendingBytes: number;
  onBacklog: (pause: boolean) => void;
  onChanges(listener: (c: ScreenChanges) => void): () => void;
  /** A `lent` chunk (see `PtyProcess`) is held by whoever keeps it past the call. */
  write(chunk: Uint8Array, lent?: SharedBatch): void;
  resize(cols: number, rows: number): void;
  cursor(): Cursor;
  line(index: number, format: Format): FormattedLine;
  screen(format: Format): ScreenResponse;
  /** Resolves null if the emulator is gone (worker crashed). */
  readScrollback(format: Format, offset: number, limit: number): Promise<ScrollbackResponse | null>;
  /** Resolves null if the emulator is gone (worker crashed). */
  repaintWhenParsed(scrollback: number): Promise<string | null>;
  settled(): Promise<void>;
  dispose(): void;
}
