import {
  clamp,
  encodeBinaryButton,
  encodeBinaryDeltas,
  encodeBinaryKey,
  encodeBinaryMove,
  encodeBinaryPing,
} from "../protocol/binary.js";
import { type Delta, encodeEvent } from "../protocol/events.js";
import { isKeyName, isMouseButton, type KeyName, type MouseButton } from "../protocol/keys.js";
import { InvalidInputError } from "./errors.js";

export type HidFormat = "json" | "binary";

/**
 * Builds HID frames. JSON frames are byte-for-byte what aiopikvm sends (Python `json.dumps`); binary frames
 * are what kvmd's web UI sends. Key and button names come already checked (`checkKey`, `checkButton` at the
 * public methods); bad coordinates and deltas, which kvmd would silently drop, are refused with InvalidInputError.
 */
export class HidFrames {
  constructor(readonly format: HidFormat) {}

  ping(): string | Uint8Array {
    return this.format === "binary" ? encodeBinaryPing() : encodeEvent("ping", {});
  }

  key(key: KeyName, state: boolean, finish = false): string | Uint8Array {
    if (this.format === "binary") return encodeBinaryKey(key, state, finish);
    return encodeEvent("key", finish ? { key, state, finish: true } : { key, state });
  }

  button(button: MouseButton, state: boolean): string | Uint8Array {
    return this.format === "binary"
      ? encodeBinaryButton(button, state)
      : encodeEvent("mouse_button", { button, state });
  }

  /** The releases of held keys and buttons, keys first. */
  releases(held: { keys: readonly KeyName[]; buttons: readonly MouseButton[] }): Array<string | Uint8Array> {
    return [...held.keys.map((k) => this.key(k, false)), ...held.buttons.map((b) => this.button(b, false))];
  }

  move(x: number, y: number): string | Uint8Array {
    const to = { x: coord(x, "x"), y: coord(y, "y") };
    return this.format === "binary" ? encodeBinaryMove(to.x, to.y) : encodeEvent("mouse_move", { to });
  }

  /** One delta as `{"delta": {x, y}}`, several as the batch form `{"delta": [...], "squash": bool}`. */
  deltas(type: "mouse_relative" | "mouse_wheel", deltas: readonly Delta[], squash?: boolean): string | Uint8Array {
    if (deltas.length === 0) throw new InvalidInputError(`${type}: no deltas`);
    const ds = deltas.map((d) => ({ x: delta(d.x, "x"), y: delta(d.y, "y") }));
    if (this.format === "binary")
      return encodeBinaryDeltas(type === "mouse_relative" ? 0x04 : 0x05, ds, squash ?? false);
    if (ds.length === 1 && squash === undefined) return encodeEvent(type, { delta: ds[0] });
    return encodeEvent(type, { delta: ds, squash: squash ?? false });
  }
}

export function checkKey(key: string): KeyName {
  if (!isKeyName(key))
    throw new InvalidInputError(
      `unknown key ${JSON.stringify(key)}: kvmd accepts KeyboardEvent.code names such as "KeyA", "Enter", "ShiftLeft"`,
    );
  return key;
}

export function checkButton(button: string): MouseButton {
  const b = button.toLowerCase();
  if (!isMouseButton(b))
    throw new InvalidInputError(`unknown mouse button ${JSON.stringify(button)}: use left, right, middle, up or down`);
  return b;
}

function coord(v: number, axis: string): number {
  if (!Number.isFinite(v)) throw new InvalidInputError(`mouse ${axis} must be a finite number, got ${v}`);
  return clamp(Math.round(v), -32768, 32767);
}

function delta(v: number, axis: string): number {
  if (!Number.isFinite(v)) throw new InvalidInputError(`delta ${axis} must be a finite number, got ${v}`);
  return clamp(Math.round(v), -127, 127);
}
