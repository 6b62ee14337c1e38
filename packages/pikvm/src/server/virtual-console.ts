import { EventEmitter } from "node:events";
import { charsForKey, type Keymap, US_KEYMAP } from "../protocol/keymap-us.js";
import type { KeyName } from "../protocol/keys.js";
import { listenerFlag } from "./listener-flag.js";

export interface ConsoleOptions {
  cols?: number;
  rows?: number;
  /** First line shown after power-on. */
  banner?: string;
  keymap?: Keymap;
}

/**
 * A text console on the emulated target that echoes typed keys (US layout, Shift and CapsLock aware),
 * so a demo or test can see what arrived. Scrolls like a terminal; blank while the target is powered off.
 */
export class VirtualConsole extends EventEmitter<{ change: [] }> {
  readonly cols: number;
  readonly rows: number;
  readonly keymap: Keymap;
  readonly banner: string;
  #lines: string[] = [""];
  #powered = true;
  readonly #changeListeners = listenerFlag(this, "change");
  readonly #chars: ReadonlyMap<KeyName, readonly [string | undefined, string | undefined]>;

  constructor(options: ConsoleOptions = {}) {
    super();
    this.cols = options.cols ?? 80;
    this.rows = options.rows ?? 25;
    this.keymap = options.keymap ?? US_KEYMAP;
    this.#chars = charsForKey(this.keymap);
    this.banner = options.banner ?? "PiKVM emulator virtual console";
    this.reset();
  }

  /** Visible lines, top to bottom. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Everything on screen after the banner line, trailing blank lines trimmed. */
  get typed(): string {
    return this.#lines
      .slice(this.banner ? 1 : 0)
      .join("\n")
      .replace(/\n+$/, "");
  }

  /** The whole screen as text. */
  get text(): string {
    return this.#lines.join("\n");
  }

  get powered(): boolean {
    return this.#powered;
  }

  setPowered(on: boolean): void {
    this.#powered = on;
    if (on) this.reset();
    else {
      this.#lines = [""];
      this.#changed();
    }
  }

  reset(): void {
    this.#lines = this.banner ? [this.banner, ""] : [""];
    this.#changed();
  }

  /** A key press arrived at the target. */
  press(key: KeyName, held: ReadonlySet<KeyName>, capsLock: boolean): void {
    if (!this.#powered) return;
    // Usually `held` is just `key` itself: with nothing else held there is no modifier to look for.
    const others = held.size > 1 || (held.size === 1 && !held.has(key));
    if (others && (held.has("ControlLeft") || held.has("ControlRight") || held.has("AltLeft") || held.has("AltRight")))
      return;
    if (key === "Enter" || key === "NumpadEnter") {
      this.#newline();
      return;
    }
    if (key === "Backspace") {
      this.#backspace();
      return;
    }
    let shift = others && (held.has("ShiftLeft") || held.has("ShiftRight"));
    if (capsLock && /^Key[A-Z]$/.test(key)) shift = !shift;
    const ch = key === "Tab" ? "\t" : this.#chars.get(key)?.[shift ? 1 : 0];
    if (ch === undefined) return;
    this.write(ch);
  }

  /** Writes text at the cursor (end of the last line), wrapping and scrolling. */
  write(text: string): void {
    const last = this.#lines.length - 1;
    if (text.length === 1 && text !== "\n" && text !== "\t" && (this.#lines[last] as string).length < this.cols) {
      // One typed character: the common case, kept cheap.
      this.#lines[last] += text;
      this.#changed();
      return;
    }
    for (const ch of text) {
      if (ch === "\n") {
        this.#newline(false);
        continue;
      }
      const add = ch === "\t" ? " ".repeat(8 - (this.#last().length % 8)) : ch;
      for (const c of add) {
        if (this.#last().length >= this.cols) this.#newline(false);
        this.#lines[this.#lines.length - 1] += c;
      }
    }
    this.#changed();
  }

  #last(): string {
    return this.#lines[this.#lines.length - 1] as string;
  }

  #newline(notify = true): void {
    this.#lines.push("");
    if (this.#lines.length > this.rows) this.#lines.splice(0, this.#lines.length - this.rows);
    if (notify) this.#changed();
  }

  #backspace(): void {
    const last = this.#last();
    if (last.length > 0) this.#lines[this.#lines.length - 1] = last.slice(0, -1);
    this.#changed();
  }

  #changed(): void {
    if (this.#changeListeners.active) this.emit("change");
  }
}
