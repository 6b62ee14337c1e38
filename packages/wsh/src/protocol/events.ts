import type { Cursor, FormattedLine, ScreenResponse } from "./screen.js";

/** Names a subscriber may ask for (`chars` and `overlay` are accepted, as upstream, and produce nothing). */
export const EVENT_TYPES = ["lines", "chars", "cursor", "mode", "diffs", "input", "overlay"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const RESET_REASONS = [
  "clear_screen",
  "clear_scrollback",
  "hard_reset",
  "alternate_screen_enter",
  "alternate_screen_exit",
  "resize",
] as const;
export type ResetReason = (typeof RESET_REASONS)[number];

export type InputMode = "passthrough" | "capture";

export interface ParsedKey {
  key: string | null;
  modifiers: string[];
}

// ---- server -> client on /ws/json ----

export interface ConnectedMessage {
  connected: true;
}
/** Ack of a subscribe: the requested names in request order (upstream v07 answered `true` to a re-subscribe). */
export interface SubscribedMessage {
  subscribed: EventType[] | true;
}
/** `error` is a string here (unlike the REST envelope). */
export interface SubscribeErrorMessage {
  error: string;
  code: "invalid_subscribe";
}

export interface LineEvent {
  event: "line";
  seq: number;
  /** Visible row, 0 <= index < rows. */
  index: number;
  total_lines: number;
  line: FormattedLine;
}
export interface CursorEvent extends Cursor {
  event: "cursor";
  seq: number;
}
/** Screen-buffer mode: has `alternate_active` and `seq`. */
export interface ScreenModeEvent {
  event: "mode";
  seq: number;
  alternate_active: boolean;
}
export interface ResetEvent {
  event: "reset";
  seq: number;
  reason: ResetReason;
}
export interface SyncEvent {
  event: "sync";
  seq: number;
  screen: ScreenResponse;
  scrollback_lines: number;
}
export interface DiffEvent {
  event: "diff";
  seq: number;
  changed_lines: number[];
  screen: ScreenResponse;
}
/** Local keyboard input (no seq). */
export interface InputEvent {
  event: "input";
  mode: InputMode;
  raw: number[];
  parsed: ParsedKey | null;
}
/** Input-capture mode change: has a string `mode` and no `seq`. */
export interface InputModeEvent {
  event: "mode";
  mode: InputMode;
}

export type TerminalEvent = LineEvent | CursorEvent | ScreenModeEvent | ResetEvent | SyncEvent | DiffEvent;
export type WshEvent = TerminalEvent | InputEvent | InputModeEvent;
export type JsonServerMessage = ConnectedMessage | SubscribedMessage | SubscribeErrorMessage | WshEvent;

export function isScreenModeEvent(e: WshEvent): e is ScreenModeEvent {
  return e.event === "mode" && "alternate_active" in e;
}
export function isInputModeEvent(e: WshEvent): e is InputModeEvent {
  return e.event === "mode" && typeof (e as InputModeEvent).mode === "string";
}

/** Which subscription name lets an event through; `reset` and `sync` always pass. */
export function eventFilterName(e: WshEvent): EventType | undefined {
  switch (e.event) {
    case "line":
      return "lines";
    case "cursor":
      return "cursor";
    case "diff":
      return "diffs";
    case "input":
      return "input";
    case "mode":
      return isScreenModeEvent(e) ? "mode" : "input";
    default:
      return undefined;
  }
}
