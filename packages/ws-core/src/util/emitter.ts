/** A minimal typed event emitter that runs in browsers and Node alike. */
export type Listener<T> = (payload: T) => void;

export class Emitter<Events extends Record<string, unknown>> {
  #listeners = new Map<keyof Events, Set<Listener<any>>>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (p) => {
      off();
      listener(p);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Calls every listener; a throwing listener is reported on "error" (or rethrown async) and never stops the others. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (!set || set.size === 0) return;
    // Iterating the live Set is safe for removals (once()); it avoids a copy per message on hot paths.
    for (const l of set) {
      try {
        l(payload);
      } catch (err) {
        if (event !== "error" && this.listenerCount("error" as keyof Events) > 0) {
          this.emit("error" as keyof Events, err as Events[keyof Events]);
        } else {
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  removeAllListeners(): void {
    this.#listeners.clear();
  }
}
