import { clamp } from "../../protocol/binary.js";
import type { KeyName } from "../../protocol/keys.js";
import { validButton, validKey } from "../../protocol/validate.js";
import { validatorError } from "../kvmd-error.js";
import { boolArg, bodyText, intArg, oneOf, query, type RestContext, type Route } from "./context.js";

/** What kvmd's validators accept (kvmd `validators/hid.py`); the emulated device has fewer (see VirtualHid). */
const MOUSE_OUTPUTS = ["usb", "usb_win98", "usb_rel", "ps2", "disabled"] as const;
const KEYBOARD_OUTPUTS = ["usb", "ps2", "disabled"] as const;

function keyArg(ctx: RestContext, raw = query(ctx, "key")): KeyName {
  const key = validKey(raw);
  if (key === undefined) throw validatorError(`The argument '${raw}' is not a valid keyboard key`);
  return key;
}

export const hidRoutes: Route[] = [
  { method: "GET", path: "/hid", handler: (ctx) => ctx.deps.hid.state() },
  { method: "GET", path: "/hid/keymaps", handler: (ctx) => ctx.deps.states.keymaps() },
  {
    method: "GET",
    path: "/hid/inactivity",
    handler(ctx) {
      const last = ctx.deps.hid.lastInputAt;
      return { inactivity: last ? Math.floor((Date.now() - last) / 1000) : null };
    },
  },
  {
    method: "POST",
    path: "/hid/set_params",
    handler(ctx) {
      // kvmd validates every given value (its whole list of outputs), then the device applies what it has.
      const jiggler = query(ctx, "jiggler") === null ? undefined : boolArg(ctx, "jiggler");
      const rawMouse = query(ctx, "mouse_output");
      const rawKeyboard = query(ctx, "keyboard_output");
      const mouse = rawMouse === null ? undefined : oneOf(rawMouse, "Mouse output", MOUSE_OUTPUTS);
      const keyboard = rawKeyboard === null ? undefined : oneOf(rawKeyboard, "Keyboard output", KEYBOARD_OUTPUTS);
      ctx.deps.hid.setParams({
        ...(mouse !== undefined ? { mouseOutput: mouse } : {}),
        ...(keyboard !== undefined ? { keyboardOutput: keyboard } : {}),
        ...(jiggler !== undefined ? { jiggler } : {}),
      });
      return {};
    },
  },
  {
    method: "POST",
    path: "/hid/set_connected",
    handler(ctx) {
      ctx.deps.hid.setConnected(boolArg(ctx, "connected"));
      return {};
    },
  },
  {
    method: "POST",
    path: "/hid/reset",
    handler(ctx) {
      ctx.deps.hid.releaseAll("reset", "rest");
      return {};
    },
  },
  {
    method: "POST",
    path: "/hid/print",
    async handler(ctx) {
      const limit = intArg(ctx, "limit", 1024);
      const keymap = query(ctx, "keymap");
      if (keymap !== null && keymap !== "en-us") throw validatorError(`The argument '${keymap}' is not a valid keymap`);
      let text = await bodyText(ctx);
      if (limit > 0) text = text.slice(0, limit);
      ctx.deps.typeText(text);
      return {};
    },
  },
  {
    method: "POST",
    path: "/hid/events/send_key",
    handler(ctx) {
      const key = keyArg(ctx);
      const finish = boolArg(ctx, "finish", false);
      if (query(ctx, "state") !== null) {
        ctx.deps.hid.key(key, boolArg(ctx, "state"), finish, "rest");
      } else {
        ctx.deps.hid.key(key, true, false, "rest");
        ctx.deps.hid.key(key, false, false, "rest");
      }
      return {};
    },
  },
  {
    method: "POST",
    path: "/hid/events/send_shortcut",
    async handler(ctx) {
      const keys = (query(ctx, "keys") ?? "")
        .split(",")
        .filter(Boolean)
        .map((k) => keyArg(ctx, k));
      // `wait`: milliseconds between the key events (aiopikvm's parameter; 0 = all at once), at most 1 s.
      const wait = Math.min(intArg(ctx, "wait", 0), 1000);
      const seq: Array<[KeyName, boolean]> = [
        ...keys.map((k): [KeyName, boolean] => [k, true]),
        ...[...keys].reverse().map((k): [KeyName, boolean] => [k, false]),
      ];
      for (const [i, [k, state]] of seq.entries()) {
        if (wait > 0 && i > 0) await new Promise((r) => setTimeout(r, wait));
        ctx.deps.hid.key(k, state, false, "rest");
      }
      return {};
    },
  },
  {
    method: "POST",
    path: "/hid/events/send_mouse_button",
    handler(ctx) {
      const raw = query(ctx, "button");
      const button = validButton(raw);
      if (button === undefined) throw validatorError(`The argument '${raw}' is not a valid mouse button`);
      if (query(ctx, "state") !== null) ctx.deps.hid.button(button, boolArg(ctx, "state"), "rest");
      else {
        ctx.deps.hid.button(button, true, "rest");
        ctx.deps.hid.button(button, false, "rest");
      }
      return {};
    },
  },
  {
    method: "POST",
    path: "/hid/events/send_mouse_move",
    handler(ctx) {
      ctx.deps.hid.move(clamp(intArg(ctx, "to_x"), -32768, 32767), clamp(intArg(ctx, "to_y"), -32768, 32767), "rest");
      return {};
    },
  },
  ...(["mouse_relative", "mouse_wheel"] as const).map(
    (type): Route => ({
      method: "POST",
      path: `/hid/events/send_${type}`,
      handler(ctx) {
        const d = { x: clamp(intArg(ctx, "delta_x"), -127, 127), y: clamp(intArg(ctx, "delta_y"), -127, 127) };
        ctx.deps.hid.deltas(type, [d], false, "rest");
        return {};
      },
    }),
  ),
];
