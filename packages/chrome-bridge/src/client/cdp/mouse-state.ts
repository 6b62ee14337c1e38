/**
 * Per-tab pointer position in CSS pixels of the viewport; starts at the top-left corner. Tabs closed
 * by the user or the page (not through a command) are never reported here, so the map is bounded:
 * past `limit` tabs the least recently moved one is forgotten.
 */
export class MouseState {
  readonly #pos = new Map<number, { x: number; y: number }>();
  readonly #limit: number;

  constructor(limit = 1000) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#pos.size;
  }

  get(tabId: number): { x: number; y: number } {
    return this.#pos.get(tabId) ?? { x: 0, y: 0 };
  }

  set(tabId: number, x: number, y: number): void {
    this.#pos.delete(tabId); // re-insert: Map order is then least recently moved first
    this.#pos.set(tabId, { x, y });
    if (this.#pos.size > this.#limit) this.#pos.delete(this.#pos.keys().next().value as number);
  }

  forget(tabId: number): void {
    this.#pos.delete(tabId);
  }
}

/** Intermediate points for a move lasting `durationMs` (about one per 16 ms frame, at most 100). */
export function interpolate(
  from: { x: number; y: number },
  to: { x: number; y: number },
  durationMs: number,
): Array<{ x: number; y: number }> {
  const steps = Math.max(1, Math.min(100, Math.round(durationMs / 16)));
  const out: Array<{ x: number; y: number }> = [];
  for (let i = 1; i <= steps; i++) {
    out.push({ x: from.x + ((to.x - from.x) * i) / steps, y: from.y + ((to.y - from.y) * i) / steps });
  }
  return out;
}
