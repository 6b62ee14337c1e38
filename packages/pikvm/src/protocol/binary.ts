import {
  BUTTON_EVDEV_CODES,
  KEY_EVDEV_CODES,
  KEY_NAMES,
  type KeyName,
  MOUSE_BUTTONS,
  type MouseButton,
} from "./keys.js";
import type { Delta } from "./events.js";

/** Binary frame op codes: `[op:u8][payload]` (kvmd `exposed_ws(n)`). */
export const BinaryOp = {
  Ping: 0x00,
  Key: 0x01,
  MouseButton: 0x02,
  MouseMove: 0x03,
  MouseRelative: 0x04,
  MouseWheel: 0x05,
  /** Server to client only: the answer to a binary ping. */
  Pong: 0xff,
} as const;

/** Flags byte of key/button frames. */
export const BinaryFlag = { State: 0x01, Finish: 0x02, Squash: 0x01, EvdevCode: 0x80 } as const;

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0) & 0x7f);

export function encodeBinaryPing(): Uint8Array {
  return Uint8Array.of(BinaryOp.Ping);
}

export function encodeBinaryKey(key: string, state: boolean, finish = false): Uint8Array {
  const flags = (state ? BinaryFlag.State : 0) | (finish ? BinaryFlag.Finish : 0);
  return Uint8Array.from([BinaryOp.Key, flags, ...ascii(key)]);
}

/** The evdev-code form (flags bit7) that kvmd's internal clients send. */
export function encodeBinaryKeyCode(key: KeyName | number, state: boolean, finish = false): Uint8Array {
  const code = typeof key === "number" ? key : KEY_EVDEV_CODES[key];
  const flags = BinaryFlag.EvdevCode | (state ? BinaryFlag.State : 0) | (finish ? BinaryFlag.Finish : 0);
  return Uint8Array.of(BinaryOp.Key, flags, (code >> 8) & 0xff, code & 0xff);
}

export function encodeBinaryButton(button: string, state: boolean): Uint8Array {
  return Uint8Array.from([BinaryOp.MouseButton, state ? BinaryFlag.State : 0, ...ascii(button)]);
}

export function encodeBinaryButtonCode(button: MouseButton, state: boolean): Uint8Array {
  const code = BUTTON_EVDEV_CODES[button];
  return Uint8Array.of(BinaryOp.MouseButton, BinaryFlag.EvdevCode | (state ? 1 : 0), code >> 8, code & 0xff);
}

/** Absolute move, both coordinates as big-endian int16 (two's complement), clamped. */
export function encodeBinaryMove(x: number, y: number): Uint8Array {
  const out = new Uint8Array(5);
  const view = new DataView(out.buffer);
  out[0] = BinaryOp.MouseMove;
  view.setInt16(1, clamp(Math.round(x), -32768, 32767));
  view.setInt16(3, clamp(Math.round(y), -32768, 32767));
  return out;
}

/** Relative move or wheel: `[op][squash][dx:i8 dy:i8]...`. */
export function encodeBinaryDeltas(op: 0x04 | 0x05, deltas: readonly Delta[], squash = false): Uint8Array {
  const out = new Uint8Array(2 + deltas.length * 2);
  const view = new DataView(out.buffer);
  out[0] = op;
  out[1] = squash ? BinaryFlag.Squash : 0;
  deltas.forEach((d, i) => {
    view.setInt8(2 + i * 2, clamp(Math.round(d.x), -127, 127));
    view.setInt8(3 + i * 2, clamp(Math.round(d.y), -127, 127));
  });
  return out;
}

/**
 * A decoded client binary frame. Frames naming a known key or button decode to shared, frozen objects
 * (no allocation per frame): treat decoded events as read-only.
 */
export type BinaryHidEvent =
  | { readonly type: "ping" }
  | { readonly type: "key"; readonly key: string | number; readonly state: boolean; readonly finish: boolean }
  | { readonly type: "mouse_button"; readonly button: string | number; readonly state: boolean }
  | { readonly type: "mouse_move"; readonly x: number; readonly y: number }
  | { readonly type: "mouse_relative" | "mouse_wheel"; readonly deltas: Delta[]; readonly squash: boolean };

/** Why a binary frame was not decoded: kvmd ends the session on an empty one and ignores the rest. */
export type BinaryDecodeFailure = { type: "invalid"; reason: "empty" | "unknown-op" | "malformed"; op?: number };

const EMPTY: BinaryDecodeFailure = { type: "invalid", reason: "empty" };
const MALFORMED: BinaryDecodeFailure[] = Array.from({ length: 6 }, (_, op) => ({
  type: "invalid",
  reason: "malformed",
  op,
}));
const PING: BinaryHidEvent = Object.freeze({ type: "ping" });

/** A known name's decoded events, indexed by the flags that matter (key: state | finish << 1; button: state). */
interface KnownName {
  name: string;
  events: readonly BinaryHidEvent[];
}

const fnv = (h: number, b: number) => Math.imul(h ^ b, 16777619);
const FNV_SEED = 0x811c9dc5;

/** Open hash table (power-of-two slots) of known names by FNV-1a hash: an array index, not a Map lookup. */
const SLOTS = 1024;
type NameTable = Array<KnownName[] | undefined>;

// Known names by FNV-1a hash of their bytes, per op: a frame naming one decodes to an interned event, so
// the hot path neither builds a string nor allocates an event.
function internNames(names: readonly string[], make: (name: string) => BinaryHidEvent[]): NameTable {
  const table: NameTable = Array.from({ length: SLOTS }, () => undefined);
  for (const name of names) {
    let h = FNV_SEED;
    for (let i = 0; i < name.length; i++) h = fnv(h, name.charCodeAt(i));
    const slot = table[h & (SLOTS - 1)] ?? [];
    slot.push({ name, events: make(name).map((e) => Object.freeze(e)) });
    table[h & (SLOTS - 1)] = slot;
  }
  return table;
}
/** Marks a decoded event whose name is one of kvmd's (an interned one): it needs no further validation. */
export const KNOWN_NAME: unique symbol = Symbol("pikvm.knownName");

/** Whether `ev` came from decoding a known key or button name (so its `key`/`button` is valid as is). */
export function hasKnownName(ev: BinaryHidEvent): boolean {
  return (ev as { [KNOWN_NAME]?: true })[KNOWN_NAME] === true;
}

const known = <T extends object>(ev: T): T => Object.defineProperty(ev, KNOWN_NAME, { value: true });
const KNOWN_KEYS = internNames(KEY_NAMES, (key) =>
  [0, 1, 2, 3].map((f) => known({ type: "key", key, state: (f & 1) !== 0, finish: (f & 2) !== 0 })),
);
const KNOWN_BUTTONS = internNames(MOUSE_BUTTONS, (button) =>
  [0, 1].map((f) => known({ type: "mouse_button", button, state: f === 1 })),
);

/** The known name spelled by `data[start, end)`, if any. */
function lookupName(known: NameTable, data: Uint8Array, start: number, end: number): KnownName | undefined {
  let h = FNV_SEED;
  for (let i = start; i < end; i++) h = fnv(h, data[i] as number);
  const candidates = known[h & (SLOTS - 1)];
  if (!candidates) return undefined;
  outer: for (const c of candidates) {
    if (c.name.length !== end - start) continue;
    for (let i = 0; i < c.name.length; i++) if (c.name.charCodeAt(i) !== data[start + i]) continue outer;
    return c;
  }
  return undefined;
}

/** The ASCII name in `data[start, end)`, or undefined if a byte is not ASCII. */
function readName(data: Uint8Array, start: number, end: number): string | undefined {
  let name = "";
  for (let i = start; i < end; i++) {
    const b = data[i] as number;
    if (b > 0x7f) return undefined;
    name += String.fromCharCode(b);
  }
  return name;
}

const i8 = (b: number) => (b > 127 ? b - 256 : b);
const i16 = (hi: number, lo: number) => {
  const v = (hi << 8) | lo;
  return v > 32767 ? v - 65536 : v;
};

/**
 * Decodes a client binary frame with kvmd's rules (name cut at 32 bytes, exact move length, no odd tails).
 * Hot path of the emulator: reads bytes directly and allocates only the event.
 */
export function decodeBinaryFrame(data: Uint8Array): BinaryHidEvent | BinaryDecodeFailure {
  const n = data.length;
  if (n === 0) return EMPTY;
  const op = data[0] as number;
  switch (op) {
    case BinaryOp.Ping:
      return PING;
    case BinaryOp.Key:
    case BinaryOp.MouseButton: {
      if (n < 3) return MALFORMED[op] as BinaryDecodeFailure;
      const flags = data[1] as number;
      const state = (flags & BinaryFlag.State) !== 0;
      const isKey = op === BinaryOp.Key;
      let name: string | number;
      if (flags & BinaryFlag.EvdevCode) {
        if (n !== 4) return MALFORMED[op] as BinaryDecodeFailure;
        name = ((data[2] as number) << 8) | (data[3] as number);
      } else {
        const end = Math.min(n, 34);
        const known = lookupName(isKey ? KNOWN_KEYS : KNOWN_BUTTONS, data, 2, end);
        if (known) return known.events[isKey ? flags & 3 : flags & 1] as BinaryHidEvent;
        const read = readName(data, 2, end);
        if (read === undefined) return MALFORMED[op] as BinaryDecodeFailure;
        name = read;
      }
      return isKey
        ? { type: "key", key: name, state, finish: (flags & BinaryFlag.Finish) !== 0 }
        : { type: "mouse_button", button: name, state };
    }
    case BinaryOp.MouseMove:
      if (n !== 5) return MALFORMED[op] as BinaryDecodeFailure;
      return {
        type: "mouse_move",
        x: i16(data[1] as number, data[2] as number),
        y: i16(data[3] as number, data[4] as number),
      };
    case BinaryOp.MouseRelative:
    case BinaryOp.MouseWheel: {
      if (n < 2 || (n - 2) % 2 !== 0) return MALFORMED[op] as BinaryDecodeFailure;
      const deltas: Delta[] = [];
      for (let i = 2; i < n; i += 2) deltas.push({ x: i8(data[i] as number), y: i8(data[i + 1] as number) });
      const type = op === BinaryOp.MouseRelative ? "mouse_relative" : "mouse_wheel";
      return { type, deltas, squash: ((data[1] as number) & BinaryFlag.Squash) !== 0 };
    }
    default:
      return { type: "invalid", reason: "unknown-op", op };
  }
}

export function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}
