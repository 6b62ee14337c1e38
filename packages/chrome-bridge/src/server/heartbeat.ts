import type { HeartbeatOptions } from "./options.js";

/**
 * The documented JSON heartbeat for one connection: `ping` every `intervalMs`; if nothing at all
 * comes back within `graceMs`, `onTimeout` runs (the hub closes with 1011).
 *
 * Not ws-core's `WsEndpoint` heartbeat: that one judges a peer at the next ping (silent for a whole
 * interval), so "ping every 30 s, close after 10 s" would become either pings every 10 s or a 30 s
 * grace. The documented timing needs the separate grace timer kept here.
 */
export class Heartbeat {
  readonly #o: HeartbeatOptions;
  readonly #ping: () => void;
  readonly #onTimeout: () => void;
  #interval: ReturnType<typeof setInterval> | undefined;
  #grace: ReturnType<typeof setTimeout> | undefined;

  constructor(options: HeartbeatOptions, ping: () => void, onTimeout: () => void) {
    this.#o = options;
    this.#ping = ping;
    this.#onTimeout = onTimeout;
  }

  start(): void {
    this.#interval = setInterval(() => this.#beat(), this.#o.intervalMs);
    this.#interval.unref?.();
  }

  /** Any inbound traffic (message or pong frame) proves the peer alive. */
  seen(): void {
    if (this.#grace !== undefined) clearTimeout(this.#grace);
    this.#grace = undefined;
  }

  stop(): void {
    if (this.#interval !== undefined) clearInterval(this.#interval);
    this.seen();
    this.#interval = undefined;
  }

  #beat(): void {
    this.#ping();
    if (this.#grace !== undefined) return;
    this.#grace = setTimeout(() => {
      this.#grace = undefined;
      this.stop();
      this.#onTimeout();
    }, this.#o.graceMs);
    this.#grace.unref?.();
  }
}
