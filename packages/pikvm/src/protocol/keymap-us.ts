import type { KeyName } from "./keys.js";

/** One character as a key press on a layout: the key, and whether Shift is held for it. */
export interface KeyStroke {
  key: KeyName;
  shift: boolean;
}

/** A keyboard layout: character to key stroke (and back, for the emulator's console). */
export interface Keymap {
  name: string;
  strokes: ReadonlyMap<string, KeyStroke>;
}

/** Per keymap: key -> [character without Shift, character with Shift]. */
const reverse = new WeakMap<Keymap, Map<KeyName, [string | undefined, string | undefined]>>();

const PAIRS: Array<[KeyName, string, string]> = [
  ["Digit1", "1", "!"],
  ["Digit2", "2", "@"],
  ["Digit3", "3", "#"],
  ["Digit4", "4", "$"],
  ["Digit5", "5", "%"],
  ["Digit6", "6", "^"],
  ["Digit7", "7", "&"],
  ["Digit8", "8", "*"],
  ["Digit9", "9", "("],
  ["Digit0", "0", ")"],
  ["Minus", "-", "_"],
  ["Equal", "=", "+"],
  ["BracketLeft", "[", "{"],
  ["BracketRight", "]", "}"],
  ["Backslash", "\\", "|"],
  ["Semicolon", ";", ":"],
  ["Quote", "'", '"'],
  ["Backquote", "`", "~"],
  ["Comma", ",", "<"],
  ["Period", ".", ">"],
  ["Slash", "/", "?"],
];

function buildUs(): Keymap {
  const m = new Map<string, KeyStroke>();
  for (let c = 0; c < 26; c++) {
    const lower = String.fromCharCode(97 + c);
    const key = `Key${lower.toUpperCase()}` as KeyName;
    m.set(lower, { key, shift: false });
    m.set(lower.toUpperCase(), { key, shift: true });
  }
  for (const [key, plain, shifted] of PAIRS) {
    m.set(plain, { key, shift: false });
    m.set(shifted, { key, shift: true });
  }
  m.set(" ", { key: "Space", shift: false });
  m.set("\n", { key: "Enter", shift: false });
  m.set("\t", { key: "Tab", shift: false });
  return { name: "en-us", strokes: m };
}

/** The US English layout (kvmd's default keymap `en-us`). */
export const US_KEYMAP: Keymap = buildUs();

/** Per key of a keymap: [character without Shift, character with Shift] (built once per keymap). */
export function charsForKey(keymap: Keymap): ReadonlyMap<KeyName, readonly [string | undefined, string | undefined]> {
  let map = reverse.get(keymap);
  if (!map) {
    map = new Map();
    for (const [ch, s] of keymap.strokes) {
      const pair = map.get(s.key) ?? [undefined, undefined];
      const i = s.shift ? 1 : 0;
      pair[i] ??= ch;
      map.set(s.key, pair);
    }
    reverse.set(keymap, map);
  }
  return map;
}

/** Reverse lookup: the character a key produces with or without Shift (undefined for non-printing keys). */
export function charForKey(keymap: Keymap, key: KeyName, shift: boolean): string | undefined {
  return charsForKey(keymap).get(key)?.[shift ? 1 : 0];
}
