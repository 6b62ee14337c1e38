import { type BinaryHidEvent, hasKnownName } from "../protocol/binary.js";
import { isObject } from "../protocol/events.js";
import { buttonFromEvdev, keyFromEvdev } from "../protocol/keys.js";
import { validBool, validButton, validCoord, validDeltas, validKey } from "../protocol/validate.js";
import type { HidSource, VirtualHid } from "./virtual-hid.js";

/** What became of one client event: applied to the HID, dropped as invalid, a ping, or unknown. */
export type DispatchResult = "applied" | "invalid" | "ping" | "unknown";

/** Applies a JSON `{event_type, event}` with kvmd's validation (kvmd `api/hid.py` `__ws_*_handler`). */
export function applyJsonEvent(
  hid: VirtualHid,
  type: string,
  ev: Record<string, unknown>,
  source: HidSource,
): DispatchResult {
  switch (type) {
    case "ping":
      return "ping";
    case "key": {
      const key = validKey(ev.key);
      const state = validBool(ev.state);
      const finish = ev.finish === undefined ? false : validBool(ev.finish);
      if (key === undefined || state === undefined || finish === undefined) return "invalid";
      hid.key(key, state, finish, source);
      return "applied";
    }
    case "mouse_button": {
      const button = validButton(ev.button);
      const state = validBool(ev.state);
      if (button === undefined || state === undefined) return "invalid";
      hid.button(button, state, source);
      return "applied";
    }
    case "mouse_move": {
      if (!isObject(ev.to)) return "invalid";
      const x = validCoord(ev.to.x);
      const y = validCoord(ev.to.y);
      if (x === undefined || y === undefined) return "invalid";
      hid.move(x, y, source);
      return "applied";
    }
    case "mouse_relative":
    case "mouse_wheel": {
      const deltas = validDeltas(ev.delta);
      const squash = ev.squash === undefined ? false : validBool(ev.squash);
      if (deltas === undefined || squash === undefined) return "invalid";
      hid.deltas(type, deltas, squash, source);
      return "applied";
    }
    default:
      return "unknown";
  }
}

/** Applies a decoded binary frame; names are checked like JSON ones, evdev codes against the key table. */
export function applyBinaryEvent(hid: VirtualHid, ev: BinaryHidEvent): DispatchResult {
  switch (ev.type) {
    case "ping":
      return "ping";
    case "key": {
      const key = binaryName(ev, ev.key, keyFromEvdev, validKey);
      if (key === undefined) return "invalid";
      hid.key(key, ev.state, ev.finish, "ws-binary");
      return "applied";
    }
    case "mouse_button": {
      const button = binaryName(ev, ev.button, buttonFromEvdev, validButton);
      if (button === undefined) return "invalid";
      hid.button(button, ev.state, "ws-binary");
      return "applied";
    }
    case "mouse_move":
      hid.move(ev.x, ev.y, "ws-binary");
      return "applied";
    default:
      hid.deltas(ev.type, ev.deltas, ev.squash, "ws-binary");
      return "applied";
  }
}

/** A binary frame's key or button: an interned known name as is, an evdev code via the table, else validated. */
function binaryName<T extends string>(
  ev: BinaryHidEvent,
  name: string | number,
  fromEvdev: (code: number) => T | undefined,
  valid: (name: unknown) => T | undefined,
): T | undefined {
  if (hasKnownName(ev)) return name as T;
  return typeof name === "number" ? fromEvdev(name) : valid(name);
}
