import { EventEmitter } from "node:events";
import {
  type BusEvents,
  type BusHandler,
  type BusStats,
  BusUnavailableError,
  type CasResult,
  type ClusterBus,
  newInstanceId,
  type Versioned,
} from "./bus.js";

/** The shared state several `MemoryBus`es (one per simulated instance) talk through. */
export class MemoryBroker {
  readonly kv = new Map<string, Versioned>();
  readonly leases = new Map<string, { owner: string; expires: number }>();
  readonly subs = new Map<string, Set<{ bus: MemoryBus; handler: BusHandler }>>();
  /** Simulates an outage: every bus sees the broker as gone; `up()` brings it back empty, like Redis without persistence. */
  #down = false;
  readonly buses = new Set<MemoryBus>();

  get isDown(): boolean {
    return this.#down;
  }

  down(): void {
    this.#down = true;
    for (const b of this.buses) b._setConnected(false);
  }

  up(options: { keepData?: boolean } = {}): void {
    this.#down = false;
    if (!options.keepData) {
      this.kv.clear();
      this.leases.clear();
    }
    for (const b of this.buses) b._setConnected(true);
  }

  lease(name: string): { owner: string; expires: number } | undefined {
    const l = this.leases.get(name);
    if (l && l.expires <= Date.now()) {
      this.leases.delete(name);
      return undefined;
    }
    return l;
  }
}

/**
 * The `ClusterBus` contract inside one process, for testing cluster logic without a broker. Several
 * buses on one `MemoryBroker` behave as instances sharing one Redis. Never a substitute for the Redis tests.
 */
export class MemoryBus extends EventEmitter<BusEvents> implements ClusterBus {
  readonly instanceId: string;
  readonly stats: BusStats = { published: 0, unpublished: 0, received: 0, reconnects: 0 };
  readonly broker: MemoryBroker;
  #connected = true;
  #closed = false;

  constructor(broker: MemoryBroker = new MemoryBroker(), instanceId: string = newInstanceId()) {
    super();
    this.broker = broker;
    this.instanceId = instanceId;
    broker.buses.add(this);
  }

  get connected(): boolean {
    return this.#connected && !this.#closed;
  }

  /** @internal */
  _setConnected(up: boolean): void {
    if (this.#connected === up) return;
    this.#connected = up;
    if (up) {
      this.stats.reconnects++;
      queueMicrotask(() => this.emit("up"));
    } else queueMicrotask(() => this.emit("down", new BusUnavailableError("memory broker down")));
  }

  #check(): void {
    if (this.#closed) throw new BusUnavailableError("bus closed");
    if (!this.#connected) throw new BusUnavailableError("memory broker down");
  }

  async publish(channel: string, payload: string | Uint8Array): Promise<boolean> {
    if (!this.connected) {
      this.stats.unpublished++;
      return false;
    }
    this.stats.published++;
    const buf = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
    const subs = [...(this.broker.subs.get(channel) ?? [])];
    // Delivered asynchronously and in publish order, like a broker would.
    queueMicrotask(() => {
      for (const s of subs) {
        if (!s.bus.connected) continue;
        s.bus.stats.received++;
        s.handler(buf, channel);
      }
    });
    return true;
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    if (this.#closed) throw new BusUnavailableError("bus closed");
    let set = this.broker.subs.get(channel);
    if (!set) {
      set = new Set();
      this.broker.subs.set(channel, set);
    }
    const entry = { bus: this, handler };
    set.add(entry);
    return async () => {
      set.delete(entry);
    };
  }

  async get(key: string): Promise<Versioned | undefined> {
    this.#check();
    const v = this.broker.kv.get(key);
    return v ? { ...v } : undefined;
  }

  async compareAndSet(key: string, expectedVersion: number, value: string): Promise<CasResult> {
    this.#check();
    const cur = this.broker.kv.get(key)?.version ?? 0;
    if (cur !== expectedVersion) return { ok: false, version: cur };
    this.broker.kv.set(key, { value, version: cur + 1 });
    return { ok: true, version: cur + 1 };
  }

  async delete(key: string): Promise<void> {
    this.#check();
    this.broker.kv.delete(key);
  }

  async acquireLease(name: string, ttlMs: number): Promise<boolean> {
    this.#check();
    const l = this.broker.lease(name);
    if (l && l.owner !== this.instanceId) return false;
    this.broker.leases.set(name, { owner: this.instanceId, expires: Date.now() + ttlMs });
    return true;
  }

  async renewLease(name: string, ttlMs: number): Promise<boolean> {
    this.#check();
    const l = this.broker.lease(name);
    if (!l || l.owner !== this.instanceId) return false;
    l.expires = Date.now() + ttlMs;
    return true;
  }

  async releaseLease(name: string): Promise<void> {
    this.#check();
    if (this.broker.lease(name)?.owner === this.instanceId) this.broker.leases.delete(name);
  }

  async leaseOwner(name: string): Promise<string | undefined> {
    this.#check();
    return this.broker.lease(name)?.owner;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const set of this.broker.subs.values()) for (const e of set) if (e.bus === this) set.delete(e);
    this.broker.buses.delete(this);
  }
}
