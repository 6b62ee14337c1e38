import { clamp } from "./binary.js";
import type { Delta } from "./events.js";
import { isKeyName, isMouseButton, type KeyName, type MouseButton } from "./keys.js";

/**
 * kvmd's validators (kvmd `kvmd/validators/*`), reproduced for the emulator: each returns `undefined` where
 * kvmd raises ValidatorError (the event is then dropped). Python stringifies the raw value first, so the
 * raw-length guards and bool spellings follow `str(value)`.
 */

/** Python's `str()` of a JSON value, as kvmd's validators see it. */
export function pyStr(v: unknown): string {
  if (v === true) return "True";
  if (v === false) return "False";
  if (v === null || v === undefined) return "None";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** `valid_bool`: 1/true/yes or 0/false/no, case-insensitive, at most 16 raw chars. */
export function validBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v; // fast path: what every JSON client sends
  const s = pyStr(v).trim().toLowerCase();
  if (s.length > 16) return undefined;
  if (s === "1" || s === "true" || s === "yes") return true;
  if (s === "0" || s === "false" || s === "no") return false;
  return undefined;
}

/** `valid_number(type=int)` with the raw-length guard: decimal or 0x-hex integers only. */
export function validInt(v: unknown, maxRawLength = 8): number | undefined {
  if (typeof v === "boolean" || v === null || typeof v === "object") return undefined;
  // Fast path for plain integers: str(v) is at most maxRawLength characters exactly when this holds.
  if (Number.isSafeInteger(v) && (v as number) < 10 ** maxRawLength && (v as number) > -(10 ** (maxRawLength - 1))) {
    return v as number;
  }
  const s = pyStr(v).trim();
  if (s.length > maxRawLength) return undefined;
  if (/^[+-]?\d+$/.test(s)) return Number.parseInt(s, 10);
  const hex = /^([+-]?)0x([0-9a-f]+)$/i.exec(s);
  if (hex) return (hex[1] === "-" ? -1 : 1) * Number.parseInt(hex[2] as string, 16);
  return undefined;
}

/** Absolute coordinate: int, clamped to -32768..32767. */
export function validCoord(v: unknown): number | undefined {
  const n = validInt(v);
  return n === undefined ? undefined : clamp(n, -32768, 32767);
}

/** Relative/wheel delta: int, clamped to -127..127. */
export function validDelta(v: unknown): number | undefined {
  const n = validInt(v);
  return n === undefined ? undefined : clamp(n, -127, 127);
}

/** `valid_hid_key`: one of the 126 names, case-sensitive. */
export function validKey(v: unknown): KeyName | undefined {
  if (isKeyName(v)) return v; // fast path: an exact name
  if (typeof v !== "string" || v.length > 16) return undefined;
  const s = v.trim();
  return isKeyName(s) ? s : undefined;
}

/** `valid_hid_mouse_button`: left/right/middle/up/down, case-insensitive. */
export function validButton(v: unknown): MouseButton | undefined {
  if (isMouseButton(v)) return v; // fast path: an exact name
  if (typeof v !== "string" || v.length > 16) return undefined;
  const s = v.trim().toLowerCase();
  return isMouseButton(s) ? s : undefined;
}

/** `{"x":…,"y":…}` or a list of them (batch form). */
export function validDeltas(v: unknown): Delta[] | undefined {
  const list = Array.isArray(v) ? v : [v];
  const out: Delta[] = [];
  for (const d of list) {
    if (typeof d !== "object" || d === null || Array.isArray(d)) return undefined;
    const x = validDelta((d as Record<string, unknown>).x);
    const y = validDelta((d as Record<string, unknown>).y);
    if (x === undefined || y === undefined) return undefined;
    out.push({ x, y });
  }
  return out;
}

/** kvmd's `stream` query flag; a missing value means true. */
export function parseStreamFlag(raw: string | null): boolean | undefined {
  return raw === null ? true : validBool(raw);
}
