import { NO_FINISH_KEYS, type KeyName, type MouseButton } from "../protocol/keys.js";

/**
 * Keys and buttons this client pressed and has not released: after a dropped connection (or on close) the
 * client releases them, so a lossy link cannot leave a key stuck down on the target.
 */
export class HeldInputs {
  readonly keys = new Set<KeyName>();
  readonly buttons = new Set<MouseButton>();

  key(key: KeyName, state: boolean, finish: boolean): void {
    // With `finish`, kvmd releases at once, except modifiers and PrintScreen.
    if (state && !(finish && !NO_FINISH_KEYS.has(key))) this.keys.add(key);
    else this.keys.delete(key);
  }

  button(button: MouseButton, state: boolean): void {
    if (state) this.buttons.add(button);
    else this.buttons.delete(button);
  }

  get empty(): boolean {
    return this.keys.size === 0 && this.buttons.size === 0;
  }

  /** Takes the held sets (clearing them), for sending the releases. */
  take(): { keys: KeyName[]; buttons: MouseButton[] } {
    const out = { keys: [...this.keys].reverse(), buttons: [...this.buttons] };
    this.keys.clear();
    this.buttons.clear();
    return out;
  }
}
