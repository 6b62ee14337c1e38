import type { EventEmitter } from "node:events";

/** A value in the bus's key-value snapshot store, with the version compare-and-set checks against. */
export interface Versioned {
  value: string;
  /** 1 for the first write, +1 per successful write; 0 means "absent" in `compareAndSet`. */
  version: number;
}

export interface CasResult {
  ok: boolean;
  /** The version now stored (the new one when `ok`, the current one otherwise; 0 when absent). */
  version: number;
}

/** Counters every bus keeps; `unpublished` is what could not be handed to the broker (never silent). */
export interface BusStats {
  published: number;
  unpublished: number;
  received: number;
  /** Times the broker connection came back after being lost. */
  reconnects: number;
}

export type BusHandler = (payload: Buffer, channel: string) => void;

export type BusEvents = {
  /** The broker became unreachable (emitted once per outage). */
  down: [Error | undefined];
  /** The broker is reachable again after `down`: state kept in it may be gone, resync. */
  up: [];
};

/**
 * What several server instances share: publish/subscribe by channel, a small key-value snapshot store
 * with compare-and-set, and leases (a key owned by one instance until it expires or is released).
 * `RedisBus` is the real one; `MemoryBus` runs the same contract inside one process for logic tests.
 */
export interface ClusterBus extends EventEmitter<BusEvents> {
  /** This instance's id: the owner name its leases carry. */
  readonly instanceId: string;
  readonly stats: BusStats;
  /** True while the broker is reachable. */
  readonly connected: boolean;
  /** Publishes to every subscriber of `channel` (on every instance, this one included). False when it could not. */
  publish(channel: string, payload: string | Uint8Array): Promise<boolean>;
  /** Subscribes; resolves once the subscription is active. The returned function unsubscribes this handler. */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  get(key: string): Promise<Versioned | undefined>;
  /** Writes `value` only if the stored version is `expectedVersion` (0: only if absent). */
  compareAndSet(key: string, expectedVersion: number, value: string): Promise<CasResult>;
  delete(key: string): Promise<void>;
  /** Takes the lease `name` for `ttlMs` if it is free (or already ours, then renews it). */
  acquireLease(name: string, ttlMs: number): Promise<boolean>;
  /** Extends our lease; false when it is no longer ours (expired and maybe taken). */
  renewLease(name: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if it is ours. */
  releaseLease(name: string): Promise<void>;
  /** The instance holding `name`, or undefined when it is free. */
  leaseOwner(name: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Thrown by bus operations (other than `publish`, which counts instead) while the broker is unreachable. */
export class BusUnavailableError extends Error {
  override name = "BusUnavailableError";
}

let counter = 0;
/** A process-unique instance id: host-pid-random. */
export function newInstanceId(): string {
  const rnd = Math.random().toString(36).slice(2, 8);
  return `${process.pid}-${Date.now().toString(36)}-${rnd}${counter++}`;
}
