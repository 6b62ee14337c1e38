import { type KeyDefinition, keyDefinition } from "./keys.js";
import { modifierMask, normaliseModifiers } from "./modifiers.js";
import type { CdpSession } from "./tab-host.js";

/**
 * One key press as Chrome itself dispatches it: modifier keys down (in order, with the mask
 * growing), the key (keyDown with text, or rawKeyDown when Ctrl/Alt/Meta make it a shortcut),
 * key up, modifiers up. Modifier bits are CDP's: Alt=1, Ctrl=2, Meta=4, Shift=8.
 */
export async function pressKey(
  session: CdpSession,
  def: KeyDefinition,
  modifierNames: readonly string[],
): Promise<void> {
  const mods = normaliseModifiers(modifierNames);
  const mask = modifierMask(mods);
  const key = mods.includes("Shift") && def.shiftKey ? def.shiftKey : def.key;
  const text = mods.some((m) => m !== "Shift") ? "" : key === def.key ? def.text : key;
  const base = {
    code: def.code,
    windowsVirtualKeyCode: def.keyCode,
    nativeVirtualKeyCode: def.keyCode,
    modifiers: mask,
  };
  let held = 0;
  for (const m of mods) {
    held |= modifierMask([m]);
    await modifierKey(session, "rawKeyDown", m, held);
  }
  await session.send("Input.dispatchKeyEvent", {
    type: text ? "keyDown" : "rawKeyDown",
    key,
    ...base,
    ...(text ? { text, unmodifiedText: text } : {}),
    ...(def.location ? { location: def.location } : {}),
  });
  await session.send("Input.dispatchKeyEvent", { type: "keyUp", key, ...base });
  for (const m of [...mods].reverse()) {
    held &= ~modifierMask([m]);
    await modifierKey(session, "keyUp", m, held);
  }
}

async function modifierKey(
  session: CdpSession,
  type: "rawKeyDown" | "keyUp",
  name: string,
  modifiers: number,
): Promise<void> {
  const d = keyDefinition(name) as NonNullable<ReturnType<typeof keyDefinition>>;
  await session.send("Input.dispatchKeyEvent", {
    type,
    key: d.key,
    code: d.code,
    windowsVirtualKeyCode: d.keyCode,
    nativeVirtualKeyCode: d.keyCode,
    modifiers,
    location: d.location ?? 0,
  });
}
