import { MODIFIER_ALIASES, type Modifier } from "../../protocol/commands.js";

/** CDP's Input.dispatchKeyEvent/dispatchMouseEvent modifier bits (upstream had Ctrl=2, Shift=4, Alt=8, Meta=16: wrong). */
export const MODIFIER_BITS: Readonly<Record<Modifier, number>> = { Alt: 1, Control: 2, Meta: 4, Shift: 8 };

/** Canonical names, deduplicated, in a stable order (Control, Shift, Alt, Meta). */
export function normaliseModifiers(names: readonly string[]): Modifier[] {
  const set = new Set(names.map((n) => MODIFIER_ALIASES[n.toLowerCase()]).filter((m): m is Modifier => !!m));
  return (["Control", "Shift", "Alt", "Meta"] as const).filter((m) => set.has(m));
}

export function modifierMask(mods: readonly Modifier[]): number {
  return mods.reduce((mask, m) => mask | MODIFIER_BITS[m], 0);
}
