import { EventEmitter } from "node:events";
import { KvmdError } from "./kvmd-error.js";

export interface GpioChannelModel {
  /** Starting state. Default false. */
  state?: boolean;
}

export interface GpioOutputModel extends GpioChannelModel {
  /** May be switched on and off. Default true. */
  switch?: boolean;
  /** Pulse delays in seconds (delay 0 = no pulse). Default 0.1 within 0.1..0.5. */
  pulse?: { delay: number; min_delay: number; max_delay: number };
}

export interface GpioModel {
  inputs?: Record<string, GpioChannelModel>;
  outputs?: Record<string, GpioOutputModel>;
}

/** A channel name as kvmd accepts it (`valid_ugpio_channel`). */
const CHANNEL_RE = /^[a-zA-Z_][a-zA-Z0-9_.-]*$/;

/** The default model: the one output a PiKVM V3 has (its USB breaker), as a real device reports it. */
export const DEFAULT_GPIO: GpioModel = {
  outputs: { __v3_usb_breaker__: { state: true, switch: true, pulse: { delay: 0, min_delay: 0, max_delay: 0 } } },
};

const err = (error: string, msg: string, status = 400) => new KvmdError(status, error, msg);

/**
 * kvmd's user GPIO (`/api/gpio`): a configurable set of input and output channels, with `switch` and
 * `pulse` on outputs, busy while pulsing, and `gpio` state diffs on every change.
 */
export class VirtualGpio extends EventEmitter<{ state: [Record<string, unknown>] }> {
  readonly #inputs = new Map<string, { state: boolean }>();
  readonly #outputs = new Map<string, { state: boolean; busy: boolean; model: Required<GpioOutputModel> }>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(model: GpioModel = DEFAULT_GPIO) {
    super();
    for (const [name, m] of Object.entries(model.inputs ?? {})) {
      checkName(name);
      this.#inputs.set(name, { state: m.state ?? false });
    }
    for (const [name, m] of Object.entries(model.outputs ?? {})) {
      checkName(name);
      const full = {
        state: m.state ?? false,
        switch: m.switch ?? true,
        pulse: m.pulse ?? { delay: 0.1, min_delay: 0.1, max_delay: 0.5 },
      };
      this.#outputs.set(name, { state: full.state, busy: false, model: full });
    }
  }

  /** kvmd's full `gpio` state: model (scheme and view) and channel states. */
  state(): Record<string, unknown> {
    const view = {
      header: { title: [{ type: "label", text: "GPIO" }] },
      table: [
        ...[...this.#inputs.keys()].map((ch) => [
          { type: "input", channel: ch, color: "green" },
          { type: "label", text: ch },
        ]),
        ...[...this.#outputs].map(([ch, o]) => [
          { type: "label", text: ch },
          ...(o.model.switch ? [{ type: "output", channel: ch, text: "", confirm: false }] : []),
          ...(o.model.pulse.delay > 0 ? [{ type: "output", channel: ch, text: "pulse", confirm: false }] : []),
        ]),
      ],
    };
    return {
      model: {
        scheme: {
          inputs: Object.fromEntries(
            [...this.#inputs.keys()].map((ch) => [ch, { hw: { driver: "__emulated__", pin: ch } }]),
          ),
          outputs: Object.fromEntries(
            [...this.#outputs].map(([ch, o]) => [
              ch,
              { switch: o.model.switch, pulse: { ...o.model.pulse }, hw: { driver: "__emulated__", pin: ch } },
            ]),
          ),
        },
        view,
      },
      state: this.#states(),
    };
  }

  #states(): { inputs: Record<string, unknown>; outputs: Record<string, unknown> } {
    return {
      inputs: Object.fromEntries([...this.#inputs].map(([ch, i]) => [ch, { online: true, state: i.state }])),
      outputs: Object.fromEntries(
        [...this.#outputs].map(([ch, o]) => [ch, { online: true, state: o.state, busy: o.busy }]),
      ),
    };
  }

  /** Sets an input channel, as the target's hardware would. */
  setInput(channel: string, state: boolean): void {
    const i = this.#inputs.get(channel);
    if (!i) throw err("GpioChannelNotFoundError", "GPIO channel is not found");
    if (i.state === state) return;
    i.state = state;
    this.emit("state", { state: { inputs: { [channel]: { online: true, state } } } });
  }

  async switch(channel: string, state: boolean, wait: boolean): Promise<void> {
    const o = this.#output(channel);
    if (!o.model.switch) throw err("GpioSwitchNotSupported", "This GPIO channel does not support switching");
    if (o.busy)
      throw err(
        "GpioChannelIsBusyError",
        "Performing another GPIO operation on this channel, please try again later",
        409,
      );
    void wait; // a switch is instantaneous here
    if (o.state === state) return;
    o.state = state;
    this.#emitOutput(channel);
  }

  async pulse(channel: string, delay: number, wait: boolean): Promise<void> {
    const o = this.#output(channel);
    const p = o.model.pulse;
    if (p.delay <= 0) throw err("GpioPulseNotSupported", "This GPIO channel does not support pulsing");
    if (o.busy)
      throw err(
        "GpioChannelIsBusyError",
        "Performing another GPIO operation on this channel, please try again later",
        409,
      );
    const secs = delay > 0 ? Math.min(Math.max(delay, p.min_delay), p.max_delay) : p.delay;
    o.busy = true;
    o.state = true;
    this.#emitOutput(channel);
    const done = new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        o.busy = false;
        o.state = false;
        this.#emitOutput(channel);
        resolve();
      }, secs * 1000);
      this.#timers.add(t);
    });
    if (wait) await done;
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #output(channel: string) {
    const o = this.#outputs.get(channel);
    if (!o) throw err("GpioChannelNotFoundError", "GPIO channel is not found");
    return o;
  }

  #emitOutput(channel: string): void {
    const o = this.#outputs.get(channel) as { state: boolean; busy: boolean };
    this.emit("state", { state: { outputs: { [channel]: { online: true, state: o.state, busy: o.busy } } } });
  }
}

function checkName(name: string): void {
  if (!CHANNEL_RE.test(name) || name.length > 255)
    throw new Error(`invalid GPIO channel name: ${JSON.stringify(name)}`);
}
