import type { ClusterBus } from "@proj/ws-core/cluster";
import { decodeFrame, encodeFrame } from "../../protocol/codec.js";
import { SceneGraph } from "../../protocol/scene-graph.js";
import type { SceneNode, ServerEvent } from "../../protocol/wire.js";
import type { SceneStore } from "../scene-store.js";

export interface VuerClusterOptions {
  /** The bus shared by every instance (`RedisBus.connect({ url })` from `@proj/ws-core/cluster`). */
  bus: ClusterBus;
  /** The shared scene's name: instances with the same name serve one scene. Default "default". */
  scene?: string;
  /** Prefix of the scene's keys and channel. Default "vuer". */
  namespace?: string;
  /** How long a gap in the operation sequence may last before the scene is reloaded from the snapshot. Default 500 ms. */
  gapMs?: number;
}

export interface SharedSceneStats {
  /** Operations this instance committed (written to the snapshot and published). */
  committed: number;
  /** Operations applied here, from any instance. */
  applied: number;
  /** Compare-and-set retries (another instance committed first). */
  conflicts: number;
  /** Times the scene was reloaded from the snapshot (a gap, a lost message, Redis back after an outage). */
  reloads: number;
  /** Operations applied only here because Redis was unreachable (other instances never got them). */
  unpublished: number;
}

interface Snapshot {
  scene: SceneNode;
  hasScene: boolean;
}

const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString("base64");

/**
 * One Vuer scene shared by every instance on a bus. Operations get a total order from compare-and-set on
 * the scene's snapshot in Redis: an instance applies an operation to its copy at version N, writes the result
 * as version N+1 only if the stored version is still N, then publishes `{N+1, op}`. Every instance applies
 * operations strictly in version order, so all converge to the same scene; a late joiner on any instance gets
 * the current scene, which every instance keeps (and which Redis keeps for instances that start later).
 * Operations are round-tripped through msgpack before they are applied anywhere, so every copy holds exactly
 * the values viewers receive (msgpack packs non-integers as float32).
 */
export class SharedScene {
  readonly store: SceneStore;
  readonly bus: ClusterBus;
  readonly name: string;
  readonly stats: SharedSceneStats = { committed: 0, applied: 0, conflicts: 0, reloads: 0, unpublished: 0 };
  /** Resolves once the snapshot was loaded and the channel subscribed. */
  readonly ready: Promise<void>;
  readonly #key: string;
  readonly #channel: string;
  readonly #gapMs: number;
  readonly #pending = new Map<number, ServerEvent>();
  readonly #waiters = new Set<() => void>();
  #version = 0;
  #chain: Promise<void>;
  #gapTimer: ReturnType<typeof setTimeout> | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #closed = false;
  /** Operations were applied here only, during an outage: the snapshot wins when Redis is back. */
  #dirty = false;
  readonly #onUp = () => {
    this.#chain = this.#chain.then(() => this.#afterOutage()).catch(() => {});
  };
  readonly #onError: (err: unknown) => void;

  constructor(store: SceneStore, options: VuerClusterOptions, onError: (err: unknown) => void = () => {}) {
    this.store = store;
    this.bus = options.bus;
    this.name = options.scene ?? "default";
    const ns = options.namespace ?? "vuer";
    this.#key = `${ns}:scene:${this.name}`;
    this.#channel = `${ns}:scene:${this.name}:ops`;
    this.#gapMs = options.gapMs ?? 500;
    this.#onError = onError;
    store.relay = (event) => this.#submit(event);
    this.ready = this.#start();
    this.#chain = this.ready.catch(() => {});
    this.bus.on("up", this.#onUp);
  }

  /** The version of the scene this instance holds (the number of operations applied since the scene began). */
  get version(): number {
    return this.#version;
  }

  /** Resolves when every operation submitted here so far was committed (or applied locally during an outage). */
  async flush(): Promise<void> {
    await this.#chain;
  }

  /** Resolves once this instance has applied version `v`. */
  waitForVersion(v: number): Promise<void> {
    if (this.#version >= v) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.#version >= v || this.#closed) {
          this.#waiters.delete(check);
          resolve();
        }
      };
      this.#waiters.add(check);
    });
  }

  async #start(): Promise<void> {
    this.#unsubscribe = await this.bus.subscribe(this.#channel, (m) => this.#arrive(m));
    await this.#load();
  }

  /** Adopts the snapshot in Redis when it is ahead of this copy (subscribers get a SET). */
  async #load(): Promise<void> {
    const cur = await this.bus.get(this.#key);
    if (!cur || cur.version <= this.#version) return;
    const snap = decodeFrame(Buffer.from(cur.value, "base64")) as Snapshot;
    this.store.reset(snap.scene, snap.hasScene);
    this.#version = cur.version;
    for (const v of [...this.#pending.keys()]) if (v <= this.#version) this.#pending.delete(v);
    this.stats.reloads++;
    this.#drain();
  }

  #submit(event: ServerEvent): void {
    // Round trip first: every copy applies the bytes viewers get.
    const op = decodeFrame(encodeFrame(event)) as ServerEvent;
    this.#chain = this.#chain.then(() => this.#commit(op)).catch((err) => this.#onError(err));
  }

  async #commit(op: ServerEvent): Promise<void> {
    if (this.#closed) return;
    for (;;) {
      if (!this.bus.connected) {
        // Redis is down: this instance's viewers still see the operation; the others never will.
        this.stats.unpublished++;
        this.#dirty = true;
        this.store.applyLocal(op);
        return;
      }
      const next = new SceneGraph(this.store.graph.scene);
      next.apply(op);
      const snap: Snapshot = { scene: next.scene, hasScene: this.store.hasScene || op.etype === "SET" };
      let r: { ok: boolean; version: number };
      try {
        r = await this.bus.compareAndSet(this.#key, this.#version, b64(encodeFrame(snap)));
      } catch {
        continue; // the bus went down mid-call: the loop applies it locally (or retries if it is back)
      }
      if (r.ok) {
        this.stats.committed++;
        this.#pending.set(r.version, op);
        this.#drain();
        void this.bus.publish(this.#channel, encodeFrame({ v: r.version, e: op }));
        return;
      }
      // Another instance committed first: wait for its operations to arrive (or reload), then retry on top.
      this.stats.conflicts++;
      await Promise.race([this.waitForVersion(r.version), new Promise((res) => setTimeout(res, this.#gapMs))]);
      if (this.#version < r.version) await this.#load().catch(() => {});
    }
  }

  #arrive(msg: Buffer): void {
    let m: { v: number; e: ServerEvent };
    try {
      m = decodeFrame(msg) as { v: number; e: ServerEvent };
    } catch {
      return;
    }
    if (typeof m?.v !== "number" || m.v <= this.#version) return;
    this.#pending.set(m.v, m.e);
    this.#drain();
  }

  #drain(): void {
    for (;;) {
      const op = this.#pending.get(this.#version + 1);
      if (!op) break;
      this.#pending.delete(this.#version + 1);
      this.store.applyLocal(op);
      this.#version++;
      this.stats.applied++;
    }
    for (const w of [...this.#waiters]) w();
    if (this.#pending.size > 0 && !this.#gapTimer) {
      // A missing operation (lost while Redis was away): reload from the snapshot if it does not turn up.
      this.#gapTimer = setTimeout(() => {
        this.#gapTimer = undefined;
        if (this.#pending.size > 0) void this.#load().catch(() => {});
      }, this.#gapMs);
      this.#gapTimer.unref();
    } else if (this.#pending.size === 0 && this.#gapTimer) {
      clearTimeout(this.#gapTimer);
      this.#gapTimer = undefined;
    }
  }

  /**
   * Redis is back. If it kept the snapshot, catch up with it; if it lost it (restarted without persistence),
   * the first instance to write its copy defines the scene again and the others adopt it.
   */
  async #afterOutage(): Promise<void> {
    if (this.#closed) return;
    const cur = await this.bus.get(this.#key);
    if (!cur) {
      const snap: Snapshot = { scene: this.store.graph.scene, hasScene: this.store.hasScene };
      await this.bus.compareAndSet(this.#key, 0, b64(encodeFrame(snap)));
      this.#version = 0;
      this.#pending.clear();
    }
    // Behind us (Redis restarted) or we diverged during the outage: take the stored scene whatever its version.
    if (cur && (cur.version < this.#version || this.#dirty)) this.#version = 0;
    this.#dirty = false;
    await this.#load();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.bus.off("up", this.#onUp);
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    for (const w of [...this.#waiters]) w();
    this.store.relay = undefined;
    await this.#chain.catch(() => {});
    await this.#unsubscribe?.().catch(() => {});
  }
}
