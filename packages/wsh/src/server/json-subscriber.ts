import type { Connection } from "@proj/ws-core/server";
import type { EventType } from "../protocol/events.js";
import type { Subscription } from "../protocol/subscribe.js";

/** Serialises each frame once per format per batch, shared by all subscribers. */
export interface FrameSource {
  /** A terminal event frame, or undefined when the subscription filters it out. */
  sync(seq: number, format: Subscription["format"]): string;
  diff(seq: number, changed: number[], format: Subscription["format"]): string;
  nextSeq(): number;
}

export interface SubscriberLimits {
  /** Bytes buffered before terminal events are skipped in favour of a later resync. */
  highWaterMark: number;
}

/**
 * One `/ws/json` socket after `connected`: its subscription, its pending diff, and its lag state.
 * A subscriber that falls behind skips terminal events and, once drained, gets a fresh `sync`
 * (a full snapshot, so its model ends up exact); `diff`s simply wait and accumulate.
 */
export class JsonSubscriber<Ctx = unknown> {
  readonly conn: Connection<Ctx>;
  sub: Subscription | undefined;
  #wants = new Set<EventType>();
  #dirty = new Set<number>();
  #diffTimer: ReturnType<typeof setTimeout> | undefined;
  #lastDiffAt = Number.NEGATIVE_INFINITY;
  #lagging = false;
  #needsSync = false;
  #closed = false;
  readonly #frames: FrameSource;
  readonly #limits: SubscriberLimits;
  /** Resyncs sent after lagging (observable for tests and stats). */
  lagResyncs = 0;

  constructor(conn: Connection<Ctx>, frames: FrameSource, limits: SubscriberLimits) {
    this.conn = conn;
    this.#frames = frames;
    this.#limits = limits;
  }

  /** True while terminal events are being skipped until the socket drains. */
  get lagging(): boolean {
    return this.#lagging;
  }

  wants(name: EventType | undefined): boolean {
    return name === undefined || this.#wants.has(name);
  }

  /** Replaces the subscription: ack, then a sync with seq 0. */
  subscribe(sub: Subscription): void {
    this.sub = sub;
    this.#wants = new Set(sub.events);
    this.#clearDiff();
    this.conn.send(JSON.stringify({ subscribed: sub.events }));
    this.conn.send(this.#frames.sync(0, sub.format));
  }

  /** A terminal event frame (line, cursor, mode, reset, sync): skipped while lagging. */
  sendTerminal(frame: string): void {
    if (this.#closed) return;
    if (this.#lagging || this.#overMark()) this.#lag();
    else this.conn.send(frame);
  }

  /** Input events cannot be recomputed later: they queue under ws-core's bounded "drop" policy. */
  sendInput(frame: string): void {
    this.conn.send(frame);
  }

  /** Rows that changed; `resync` means a sync in the same batch already covers earlier ones. */
  markDirty(rows: number[], resync: boolean): void {
    if (!this.sub || !this.#wants.has("diffs")) return;
    if (resync) this.#dirty.clear();
    for (const r of rows) this.#dirty.add(r);
    if (this.#dirty.size > 0) this.#scheduleDiff();
  }

  close(): void {
    this.#closed = true;
    this.#clearDiff();
  }

  #overMark(): boolean {
    return this.conn.backlog > 0 || this.conn.bufferedAmount >= this.#limits.highWaterMark;
  }

  #lag(): void {
    this.#needsSync = true;
    this.#waitForDrain();
  }

  #waitForDrain(): void {
    if (this.#lagging) return;
    this.#lagging = true;
    void this.conn.whenDrained(this.#limits.highWaterMark / 2).then(() => {
      this.#lagging = false;
      if (!this.sub || this.#closed || !this.conn.open) return;
      if (this.#needsSync) {
        this.#needsSync = false;
        this.lagResyncs++;
        this.#dirty.clear();
        this.conn.send(this.#frames.sync(this.#frames.nextSeq(), this.sub.format));
      }
      if (this.#dirty.size > 0) this.#scheduleDiff();
    });
  }

  #scheduleDiff(): void {
    if (this.#diffTimer || !this.sub) return;
    // Leading edge: the first change goes out at once, then at most one diff per interval_ms.
    const wait = Math.max(0, this.#lastDiffAt + this.sub.intervalMs - Date.now());
    this.#diffTimer = setTimeout(() => this.#emitDiff(), wait);
  }

  #emitDiff(): void {
    this.#diffTimer = undefined;
    if (!this.sub || this.#closed || this.#dirty.size === 0) return;
    if (this.#lagging || this.#overMark()) {
      // Keep accumulating; the drain handler reschedules.
      this.#waitForDrain();
      return;
    }
    const changed = [...this.#dirty].sort((a, b) => a - b);
    this.#dirty.clear();
    this.#lastDiffAt = Date.now();
    this.conn.send(this.#frames.diff(this.#frames.nextSeq(), changed, this.sub.format));
  }

  #clearDiff(): void {
    if (this.#diffTimer) clearTimeout(this.#diffTimer);
    this.#diffTimer = undefined;
    this.#dirty.clear();
    this.#lastDiffAt = Number.NEGATIVE_INFINITY;
  }
}
