import type { ParsedKey } from "./events.js";

/** Ctrl+\ : in capture mode it releases the keyboard back to the terminal. */
export const CTRL_BACKSLASH = 0x1c;

const ARROWS: Record<number, string> = {
  65: "ArrowUp",
  66: "ArrowDown",
  67: "ArrowRight",
  68: "ArrowLeft",
  72: "Home",
  70: "End",
};
const CTRL_PUNCT: Record<number, string> = { 28: "\\", 29: "]", 30: "^", 31: "_" };

/** Recognises one keystroke's bytes the way upstream does; `null` for anything else (pastes, UTF-8, unknown). */
export function parseKey(raw: Uint8Array): ParsedKey | null {
  if (raw.length >= 3 && raw[0] === 0x1b && raw[1] === 0x5b) {
    const key = ARROWS[raw[2] as number];
    return key ? { key, modifiers: [] } : null;
  }
  if (raw.length !== 1) return null;
  const b = raw[0] as number;
  if (b === 0x09) return { key: "Tab", modifiers: [] };
  if (b === 0x0d) return { key: "Enter", modifiers: [] };
  if (b === 0x1b) return { key: "Escape", modifiers: [] };
  if (b === 0x7f) return { key: "Backspace", modifiers: [] };
  if (b >= 0x01 && b <= 0x1a) return { key: String.fromCharCode(0x60 + b), modifiers: ["ctrl"] };
  const punct = CTRL_PUNCT[b];
  if (punct) return { key: punct, modifiers: ["ctrl"] };
  if (b >= 0x20 && b <= 0x7e) return { key: String.fromCharCode(b), modifiers: [] };
  return null;
}

export function isCtrlBackslash(raw: Uint8Array): boolean {
  return raw.length === 1 && raw[0] === CTRL_BACKSLASH;
}
