import type { ClientEventMessage } from "./wire.js";

export interface ClientEventInit<V = any> {
  /** Needed only on the base class; subclasses set `static etype`. */
  etype?: string;
  value?: V;
  /** Milliseconds; defaults to the time of construction. Float seconds are converted to ms on the wire. */
  ts?: number;
  key?: string;
  /** Extra top-level fields travel as they are (upstream keeps unknown kwargs as attributes). */
  [field: string]: unknown;
}

/**
 * An event a client sends. Subclass it and set `static etype` (and optionally a default `static value`):
 *
 *     class SetPosition extends ClientEvent<number[]> { static override etype = "SET_POSITION"; static override value = [0, 0, 0]; }
 *     await client.send(new SetPosition({ value: [1, 2, 3] }));
 */
export class ClientEvent<V = any> {
  static etype: string | undefined = undefined;
  static value: unknown = null;

  readonly etype: string;
  readonly value: V;
  readonly ts: number;
  readonly key: string | undefined;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly #ownEtype: boolean;
  readonly #ownValue: boolean;

  constructor(init: ClientEventInit<V> = {}) {
    const { etype, value, ts, key, ...extra } = init;
    const cls = new.target as typeof ClientEvent;
    const resolved = etype ?? cls.etype;
    if (typeof resolved !== "string" || resolved === "") {
      throw new TypeError(`${cls.name} has no etype: set \`static etype\` on the subclass or pass { etype }`);
    }
    this.etype = resolved;
    this.#ownEtype = etype !== undefined;
    this.#ownValue = "value" in init;
    this.value = (this.#ownValue ? value : cls.value) as V;
    this.ts = ts ?? Date.now();
    this.key = key;
    this.extra = extra;
  }

  /**
   * The wire map, keys in the order upstream's Python client emits them: `ts` first, then fields given to
   * the constructor, then `etype` and `value` (so the golden INIT and HELLO frames match byte for byte).
   */
  toWire(): ClientEventMessage<V> {
    const out: Record<string, unknown> = { ts: toMs(this.ts) };
    if (this.#ownEtype) out.etype = this.etype;
    if (this.#ownValue) out.value = this.value;
    if (this.key !== undefined) out.key = this.key;
    for (const [k, v] of Object.entries(this.extra)) if (!(k in out)) out[k] = v;
    out.etype = this.etype;
    if (!this.#ownValue) out.value = this.value ?? null;
    return out as ClientEventMessage<V>;
  }

  /** `event.is("HELLO")`: upstream's `event == "HELLO"`. */
  is(etype: string): boolean {
    return this.etype === etype;
  }
}

function toMs(ts: number): number {
  return ts < 1e11 ? Math.trunc(ts * 1000) : Math.trunc(ts);
}

/** A ClientEvent subclass in one line: `const Hello = defineClientEvent("HELLO")`. */
export function defineClientEvent<V = any>(etype: string, defaultValue: V | null = null) {
  return class extends ClientEvent<V> {
    static override etype = etype;
    static override value: unknown = defaultValue;
  };
}
