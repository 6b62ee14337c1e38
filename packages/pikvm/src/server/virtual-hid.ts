import { EventEmitter } from "node:events";
import type { Delta } from "../protocol/events.js";
import { listenerFlag } from "./listener-flag.js";
import { type KeyName, MOUSE_BUTTONS, type MouseButton, NO_FINISH_KEYS } from "../protocol/keys.js";

/** One accepted input, as the virtual target saw it (the protocol never acknowledges input; this log does). */
export type HidInput =
  | { type: "key"; key: KeyName; state: boolean; source: HidSource }
  | { type: "mouse_button"; button: MouseButton; state: boolean; source: HidSource }
  | { type: "mouse_move"; x: number; y: number; source: HidSource }
  | { type: "mouse_relative" | "mouse_wheel"; deltas: Delta[]; source: HidSource }
  | { type: "release_all"; reason: string; source: HidSource };

export type HidSource = "ws-json" | "ws-binary" | "rest" | "internal";

export interface HidSnapshot {
  keys: KeyName[];
  buttons: MouseButton[];
  mouse: { x: number; y: number };
  /** Sum of relative moves and wheel steps since start (the emulated mouse is absolute). */
  relative: Delta;
  wheel: Delta;
  leds: { caps: boolean; scroll: boolean; num: boolean };
  accepted: number;
  dropped: number;
  /** ms since epoch of the last input, 0 if none. */
  lastInputAt: number;
}

type HidEvents = {
  input: [HidInput];
  /** The part of the `hid` state kvmd broadcasts changed (leds, outputs, jiggler, connected). */
  state: [];
};

export interface HidParams {
  keyboardOutput?: string;
  mouseOutput?: string;
  jiggler?: boolean;
}

/**
 * The emulated target's HID: pressed keys, mouse position and buttons, lock LEDs, plus a bounded log of
 * accepted input and a count of dropped (invalid) input.
 */
export class VirtualHid extends EventEmitter<HidEvents> {
  /** Keys held down, in the order they were pressed. */
  readonly keys: ReadonlySet<KeyName> = new HeldSet<KeyName>();
  /** Mouse buttons held down. */
  readonly buttons: ReadonlySet<MouseButton> = new HeldSet<MouseButton>();
  mouse = { x: 0, y: 0 };
  relative: Delta = { x: 0, y: 0 };
  wheel: Delta = { x: 0, y: 0 };
  leds = { caps: false, scroll: false, num: true };
  mouseOutputs = ["usb", "usb_rel"];
  mouseOutput = "usb";
  jiggler = { enabled: true, active: false, interval: 60 };
  connected: boolean | null = null;
  accepted = 0;
  dropped = 0;
  #lastInputAt = 0;
  #stamped = false;
  readonly #unstamp = () => {
    this.#stamped = false;
  };
  /** Ring buffer of the last `logLimit` inputs: filled by push, then overwritten oldest first at `#oldest`. */
  readonly #log: HidInput[] = [];
  #oldest = 0;
  readonly #logLimit: number;
  readonly #onInput: ((input: HidInput) => void) | undefined;
  readonly #inputListeners = listenerFlag(this, "input");

  /**
   * `onInput` sees every accepted input before "input" listeners do (the emulator's own wiring: a direct
   * call costs less per event than an emitter round).
   */
  constructor(options: { logLimit?: number; onInput?: (input: HidInput) => void; jigglerEnabled?: boolean } = {}) {
    super();
    this.jiggler.enabled = options.jigglerEnabled ?? true;
    this.#logLimit = options.logLimit ?? 1000;
    this.#onInput = options.onInput;
  }

  /** ms since epoch of the last accepted input (to the event-loop turn that brought it), 0 if none. */
  get lastInputAt(): number {
    return this.#lastInputAt;
  }

  /** The most recent accepted inputs (at most `logLimit`), oldest first. */
  get log(): readonly HidInput[] {
    return [...this.#log.slice(this.#oldest), ...this.#log.slice(0, this.#oldest)];
  }

  /** kvmd's `hid` event payload (otg plugin shape). */
  state(): Record<string, unknown> {
    return {
      enabled: true,
      online: true,
      busy: false,
      connected: this.connected,
      keyboard: { online: true, leds: { ...this.leds }, outputs: { available: [], active: "" } },
      mouse: {
        outputs: { available: [...this.mouseOutputs], active: this.mouseOutput },
        online: true,
        absolute: this.mouseOutput !== "usb_rel",
      },
      jiggler: { ...this.jiggler },
    };
  }

  snapshot(): HidSnapshot {
    return {
      keys: [...this.keys],
      buttons: [...this.buttons],
      mouse: { ...this.mouse },
      relative: { ...this.relative },
      wheel: { ...this.wheel },
      leds: { ...this.leds },
      accepted: this.accepted,
      dropped: this.dropped,
      lastInputAt: this.lastInputAt,
    };
  }

  key(key: KeyName, state: boolean, finish: boolean, source: HidSource): void {
    this.#keyEdge(key, state, source);
    // kvmd queues the release at once for `finish`, except for modifiers and PrintScreen.
    if (state && finish && !NO_FINISH_KEYS.has(key)) this.#keyEdge(key, false, source);
  }

  button(button: MouseButton, state: boolean, source: HidSource): void {
    (this.buttons as HeldSet<MouseButton>).set(button, state);
    this.#record({ type: "mouse_button", button, state, source });
  }

  move(x: number, y: number, source: HidSource): void {
    this.mouse.x = x;
    this.mouse.y = y;
    this.#record({ type: "mouse_move", x, y, source });
  }

  deltas(type: "mouse_relative" | "mouse_wheel", deltas: Delta[], squash: boolean, source: HidSource): void {
    const effective = squash ? squashDeltas(deltas) : deltas.filter((d) => d.x !== 0 || d.y !== 0);
    const acc = type === "mouse_relative" ? this.relative : this.wheel;
    for (const d of effective) {
      acc.x += d.x;
      acc.y += d.y;
    }
    this.#record({ type, deltas: effective, source });
  }

  /** Releases every key and button (kvmd `clear_events` on every socket connect/disconnect and `/api/hid/reset`). */
  releaseAll(reason: string, source: HidSource = "internal"): void {
    for (const key of [...this.keys]) this.#keyEdge(key, false, source);
    for (const b of MOUSE_BUTTONS) if (this.buttons.has(b)) this.button(b, false, source);
    this.#record({ type: "release_all", reason, source });
  }

  /** Counts input kvmd would drop silently (invalid values, unknown keys, short frames). */
  drop(): void {
    this.dropped++;
  }

  setParams(params: HidParams): void {
    if (params.mouseOutput !== undefined && this.mouseOutputs.includes(params.mouseOutput)) {
      this.mouseOutput = params.mouseOutput;
    }
    // kvmd switches the jiggler on and off through `active`, and only where the device has it `enabled`.
    if (params.jiggler !== undefined && this.jiggler.enabled) this.jiggler.active = params.jiggler;
    this.emit("state");
  }

  setConnected(connected: boolean): void {
    this.connected = connected;
    this.emit("state");
  }

  #keyEdge(key: KeyName, state: boolean, source: HidSource): void {
    if (state) {
      // Lock keys toggle their LED on press, as the host's keyboard driver would report back.
      const led = key === "CapsLock" ? "caps" : key === "NumLock" ? "num" : key === "ScrollLock" ? "scroll" : undefined;
      if (led && !this.keys.has(key)) {
        this.leds[led] = !this.leds[led];
        this.emit("state");
      }
    }
    (this.keys as HeldSet<KeyName>).set(key, state);
    this.#record({ type: "key", key, state, source });
  }

  #record(input: HidInput): void {
    if (input.type !== "release_all") {
      this.accepted++;
      // One clock read per event-loop turn: a burst of frames from one socket read shares a timestamp.
      if (!this.#stamped) {
        this.#stamped = true;
        this.#lastInputAt = Date.now();
        queueMicrotask(this.#unstamp);
      }
    }
    const log = this.#log;
    if (log.length < this.#logLimit) log.push(input);
    else if (this.#logLimit > 0) {
      log[this.#oldest] = input;
      this.#oldest = this.#oldest + 1 === this.#logLimit ? 0 : this.#oldest + 1;
    }
    this.#onInput?.(input);
    if (this.#inputListeners.active) this.emit("input", input);
  }
}

/**
 * The few keys or buttons held at a time, in press order. An array beats a Set here: V8 shrinks (reallocates)
 * a Set's table whenever it empties, which a press/release pair of a lone key does every time.
 */
class HeldSet<T> implements ReadonlySet<T> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  has(value: T): boolean {
    return this.#items.includes(value);
  }

  /** Adds (`held` true) or removes a value. */
  set(value: T, held: boolean): void {
    const items = this.#items;
    const i = items.indexOf(value);
    if (held) {
      if (i < 0) items.push(value);
    } else if (i >= 0) {
      for (let j = i + 1; j < items.length; j++) items[j - 1] = items[j] as T;
      items.pop();
    }
  }

  forEach(fn: (value: T, key: T, set: ReadonlySet<T>) => void, thisArg?: unknown): void {
    for (const v of [...this.#items]) fn.call(thisArg, v, v, this);
  }

  *entries(): SetIterator<[T, T]> {
    for (const v of [...this.#items]) yield [v, v];
  }

  keys(): SetIterator<T> {
    return this.values();
  }

  *values(): SetIterator<T> {
    yield* [...this.#items];
  }

  [Symbol.iterator](): SetIterator<T> {
    return this.values();
  }
}

/** kvmd's squash: accumulate deltas while each axis stays within ±127, emit when the next would overflow. */
export function squashDeltas(deltas: readonly Delta[]): Delta[] {
  const out: Delta[] = [];
  let x = 0;
  let y = 0;
  for (const d of deltas) {
    if (Math.abs(x + d.x) > 127 || Math.abs(y + d.y) > 127) {
      out.push({ x, y });
      x = 0;
      y = 0;
    }
    x += d.x;
    y += d.y;
  }
  if (x !== 0 || y !== 0) out.push({ x, y });
  return out;
}
