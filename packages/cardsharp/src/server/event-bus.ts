import type { EngineEventType, EventPayload } from "../engine/events.js";

/** Upstream's `EventPriority`: listeners run from CRITICAL down to LOW. */
export const EventPriority = { LOW: 0, NORMAL: 1, HIGH: 2, CRITICAL: 3 } as const;
export type EventPriority = (typeof EventPriority)[keyof typeof EventPriority];

export type EventListener<K extends EngineEventType> = (data: EventPayload<K>) => void;
export type AnyEventListener = <K extends EngineEventType>(type: K, data: EventPayload<K>) => void;

interface Entry {
  fn: (...args: any[]) => void;
  priority: number;
}

/**
 * The typed, synchronous event bus between the engine and its listeners (upstream's `EventEmitter`):
 * type listeners first, highest priority first, then `onAny` listeners. A listener that throws is
 * reported to `onError` and never stops the others. One bus per table (upstream used a process-wide singleton).
 */
export class EventBus {
  readonly #typed = new Map<string, Entry[]>();
  #any: Entry[] = [];
  readonly #onError: (err: unknown, type: string) => void;

  constructor(options: { onError?: (err: unknown, type: string) => void } = {}) {
    this.#onError = options.onError ?? (() => {});
  }

  on<K extends EngineEventType>(
    type: K,
    fn: EventListener<K>,
    priority: EventPriority = EventPriority.NORMAL,
  ): () => void {
    const list = this.#typed.get(type) ?? [];
    const entry: Entry = { fn, priority };
    list.push(entry);
    list.sort((a, b) => b.priority - a.priority);
    this.#typed.set(type, list);
    return () => {
      const l = this.#typed.get(type);
      if (l)
        this.#typed.set(
          type,
          l.filter((e) => e !== entry),
        );
    };
  }

  once<K extends EngineEventType>(type: K, fn: EventListener<K>, priority?: EventPriority): () => void {
    const off = this.on(
      type,
      (data) => {
        off();
        fn(data);
      },
      priority,
    );
    return off;
  }

  /** Every event, as `(type, data)`. */
  onAny(fn: AnyEventListener, priority: EventPriority = EventPriority.NORMAL): () => void {
    const entry: Entry = { fn, priority };
    this.#any = [...this.#any, entry].sort((a, b) => b.priority - a.priority);
    return () => {
      this.#any = this.#any.filter((e) => e !== entry);
    };
  }

  emit<K extends EngineEventType>(type: K, data: EventPayload<K>): void {
    // Called directly (no argument array per listener): every engine event comes through here.
    const typed = this.#typed.get(type);
    if (typed) {
      for (const e of typed) {
        try {
          e.fn(data);
        } catch (err) {
          this.#onError(err, type);
        }
      }
    }
    for (const e of this.#any) {
      try {
        e.fn(type, data);
      } catch (err) {
        this.#onError(err, type);
      }
    }
  }

  removeAllListeners(type?: EngineEventType): void {
    if (type) this.#typed.delete(type);
    else {
      this.#typed.clear();
      this.#any = [];
    }
  }
}
