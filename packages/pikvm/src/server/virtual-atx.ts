import { EventEmitter } from "node:events";

export type AtxButton = "power" | "power_long" | "reset";
export type AtxPowerAction = "on" | "off" | "off_hard" | "reset_hard";

/** The ATX operation could not start because another one is running (kvmd answers 409). */
export class AtxBusyError extends Error {
  override name = "AtxBusyError";
}

/**
 * The emulated target's power: LEDs, buttons and busy flag, shaped like kvmd's `atx` state. A click
 * takes `clickDelayMs` (injectable so tests stay quick) during which the state reports busy.
 */
export class VirtualAtx extends EventEmitter<{ state: []; power: [boolean]; reset: [] }> {
  power: boolean;
  busy = false;
  acts = { power: false, reset: false };
  readonly #delay: number;

  constructor(options: { powered?: boolean; clickDelayMs?: number } = {}) {
    super();
    this.power = options.powered ?? true;
    this.#delay = options.clickDelayMs ?? 100;
  }

  state(): Record<string, unknown> {
    return {
      enabled: true,
      busy: this.busy,
      acts: { ...this.acts },
      leds: { power: this.power, hdd: false },
    };
  }

  /** Presses a front-panel button; resolves when the press is over. */
  async click(button: AtxButton): Promise<void> {
    const act = button === "reset" ? "reset" : "power";
    await this.#operate(act, () => {
      if (button === "reset") {
        if (this.power) this.emit("reset");
      } else if (button === "power_long") {
        this.#setPower(false);
      } else {
        this.#setPower(!this.power);
      }
    });
  }

  /** kvmd `/api/atx/power`: acts only when the power state differs (or resets when on). */
  async setPower(action: AtxPowerAction): Promise<void> {
    if (action === "on" && !this.power) return this.click("power");
    if (action === "off" && this.power) return this.click("power");
    if (action === "off_hard" && this.power) return this.click("power_long");
    if (action === "reset_hard" && this.power) return this.click("reset");
  }

  async #operate(act: "power" | "reset", effect: () => void): Promise<void> {
    if (this.busy) throw new AtxBusyError("Performing another ATX operation, please try again later");
    this.busy = true;
    this.acts[act] = true;
    this.emit("state");
    await new Promise((r) => setTimeout(r, this.#delay));
    effect();
    this.busy = false;
    this.acts[act] = false;
    this.emit("state");
  }

  #setPower(on: boolean): void {
    if (this.power === on) return;
    this.power = on;
    this.emit("power", on);
  }
}
