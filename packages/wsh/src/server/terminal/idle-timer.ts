/**
 * Calls `onIdle` once `ms` have passed since the last `touch()`: one timer, re-armed for what is
 * left when it fires early, so a busy stream costs a clock read per touch rather than a timer.
 * Unref'd: it never keeps the process alive.
 */
export class IdleTimer {
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}

  touch(): void {
    this.#last = performance.now();
    this.#timer ??= this.#arm(this.ms);
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(this.#fire, ms);
    timer.unref?.();
    return timer;
  }

  readonly #fire = () => {
    this.#timer = undefined;
    const idle = performance.now() - this.#last;
    if (idle >= this.ms) this.onIdle();
    else this.#timer = this.#arm(this.ms - idle);
  };
}
