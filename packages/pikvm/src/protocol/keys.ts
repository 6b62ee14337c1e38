/**
 * kvmd's accepted key names (W3C `KeyboardEvent.code`, kvmd `WEB_TO_EVDEV`) with their Linux evdev codes,
 * which the binary "bit7" key form carries instead of a name (kvmd-vnc and kvmd's own clients use it).
 */
export const KEY_EVDEV_CODES = {
  KeyA: 30,
  KeyB: 48,
  KeyC: 46,
  KeyD: 32,
  KeyE: 18,
  KeyF: 33,
  KeyG: 34,
  KeyH: 35,
  KeyI: 23,
  KeyJ: 36,
  KeyK: 37,
  KeyL: 38,
  KeyM: 50,
  KeyN: 49,
  KeyO: 24,
  KeyP: 25,
  KeyQ: 16,
  KeyR: 19,
  KeyS: 31,
  KeyT: 20,
  KeyU: 22,
  KeyV: 47,
  KeyW: 17,
  KeyX: 45,
  KeyY: 21,
  KeyZ: 44,
  Digit1: 2,
  Digit2: 3,
  Digit3: 4,
  Digit4: 5,
  Digit5: 6,
  Digit6: 7,
  Digit7: 8,
  Digit8: 9,
  Digit9: 10,
  Digit0: 11,
  Enter: 28,
  Escape: 1,
  Backspace: 14,
  Tab: 15,
  Space: 57,
  Minus: 12,
  Equal: 13,
  BracketLeft: 26,
  BracketRight: 27,
  Backslash: 43,
  Semicolon: 39,
  Quote: 40,
  Backquote: 41,
  Comma: 51,
  Period: 52,
  Slash: 53,
  CapsLock: 58,
  F1: 59,
  F2: 60,
  F3: 61,
  F4: 62,
  F5: 63,
  F6: 64,
  F7: 65,
  F8: 66,
  F9: 67,
  F10: 68,
  F11: 87,
  F12: 88,
  F13: 183,
  F14: 184,
  F15: 185,
  F16: 186,
  F17: 187,
  F18: 188,
  F19: 189,
  F20: 190,
  F21: 191,
  F22: 192,
  F23: 193,
  F24: 194,
  PrintScreen: 99,
  Insert: 110,
  Home: 102,
  PageUp: 104,
  Delete: 111,
  End: 107,
  PageDown: 109,
  ArrowRight: 106,
  ArrowLeft: 105,
  ArrowDown: 108,
  ArrowUp: 103,
  ControlLeft: 29,
  ShiftLeft: 42,
  AltLeft: 56,
  MetaLeft: 125,
  ControlRight: 97,
  ShiftRight: 54,
  AltRight: 100,
  MetaRight: 126,
  Pause: 119,
  ScrollLock: 70,
  NumLock: 69,
  ContextMenu: 438,
  NumpadDivide: 98,
  NumpadMultiply: 55,
  NumpadSubtract: 74,
  NumpadAdd: 78,
  NumpadEnter: 96,
  Numpad1: 79,
  Numpad2: 80,
  Numpad3: 81,
  Numpad4: 75,
  Numpad5: 76,
  Numpad6: 77,
  Numpad7: 71,
  Numpad8: 72,
  Numpad9: 73,
  Numpad0: 82,
  NumpadDecimal: 83,
  Power: 116,
  IntlBackslash: 86,
  IntlYen: 124,
  IntlRo: 89,
  KanaMode: 90,
  Convert: 92,
  NonConvert: 94,
  AudioVolumeMute: 113,
  AudioVolumeUp: 115,
  AudioVolumeDown: 114,
} as const;

export type KeyName = keyof typeof KEY_EVDEV_CODES;

/** All 126 key names kvmd accepts, case-sensitive. */
export const KEY_NAMES: readonly KeyName[] = Object.keys(KEY_EVDEV_CODES) as KeyName[];

const keySet: ReadonlySet<string> = new Set(KEY_NAMES);
const byCode = new Map<number, KeyName>(KEY_NAMES.map((k) => [KEY_EVDEV_CODES[k], k]));

export function isKeyName(name: unknown): name is KeyName {
  return typeof name === "string" && keySet.has(name);
}

export function keyFromEvdev(code: number): KeyName | undefined {
  return byCode.get(code);
}

const MODIFIERS: readonly KeyName[] = [
  "ShiftLeft",
  "ShiftRight",
  "AltLeft",
  "AltRight",
  "ControlLeft",
  "ControlRight",
  "MetaLeft",
  "MetaRight",
];

export const MODIFIER_KEYS: ReadonlySet<KeyName> = new Set<KeyName>(MODIFIERS);

/** Keys kvmd never auto-releases for `finish` (kvmd `send_key_event`): the 8 modifiers and PrintScreen. */
export const NO_FINISH_KEYS: ReadonlySet<KeyName> = new Set<KeyName>([...MODIFIERS, "PrintScreen"]);

/** Mouse buttons; `up`/`down` are BTN_BACK/BTN_FORWARD (side buttons), not the wheel. */
export const MOUSE_BUTTONS = ["left", "right", "middle", "up", "down"] as const;
export type MouseButton = (typeof MOUSE_BUTTONS)[number];

/** evdev codes of the mouse buttons (kvmd `kvmd/mouse.py`). */
export const BUTTON_EVDEV_CODES: Record<MouseButton, number> = {
  left: 0x110,
  right: 0x111,
  middle: 0x112,
  down: 0x115,
  up: 0x116,
};

const buttonSet: ReadonlySet<string> = new Set(MOUSE_BUTTONS);

export function isMouseButton(name: unknown): name is MouseButton {
  return typeof name === "string" && buttonSet.has(name);
}

export function buttonFromEvdev(code: number): MouseButton | undefined {
  return MOUSE_BUTTONS.find((b) => BUTTON_EVDEV_CODES[b] === code);
}
