import { EventEmitter } from "node:events";
import { Redis, type RedisOptions } from "ioredis";
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

export interface RedisBusOptions {
  /** redis://[user:pass@]host:port[/db] (default redis://127.0.0.1:6379). */
  url?: string;
  instanceId?: string;
  /** Prefix for every key and channel, so several apps can share one Redis. Default "". */
  prefix?: string;
  /** How long `connect` waits for the first connection. Default 10 s. */
  connectTimeoutMs?: number;
  /** Reconnect delays: `min(baseMs * 2^attempt, maxMs)` plus up to 20% jitter. Default 50 ms .. 2 s. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Where the one line per outage goes (and the one when it ends). Default console.warn. */
  log?: (line: string) => void;
  /** Extra ioredis options for both connections. */
  redis?: RedisOptions;
}

// Compare-and-set over a hash {v: version, d: data}; version 0 stands for "absent".
const CAS = `local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if cur ~= tonumber(ARGV[1]) then return {0, cur} end
redis.call('HSET', KEYS[1], 'v', cur + 1, 'd', ARGV[2])
return {1, cur + 1}`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const ACQUIRE = `local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type Scripted = Redis & {
  cas(key: string, expected: number, value: string): Promise<[number, number]>;
  renewLease(key: string, owner: string, ttl: number): Promise<number>;
  acquireLease(key: string, owner: string, ttl: number): Promise<number>;
  releaseLease(key: string, owner: string): Promise<number>;
};

/**
 * `ClusterBus` over Redis with ioredis: one connection for commands and publishing, one in subscriber
 * mode. While Redis is unreachable, commands fail at once (no offline queue: a publish that cannot go
 * out is counted in `stats.unpublished`, not held), reconnection retries with capped exponential
 * backoff, `down` is emitted and logged once per outage, and `up` when both connections are back.
 */
export class RedisBus extends EventEmitter<BusEvents> implements ClusterBus {
  readonly instanceId: string;
  readonly stats: BusStats = { published: 0, unpublished: 0, received: 0, reconnects: 0 };
  readonly prefix: string;
  readonly cmd: Scripted;
  readonly sub: Redis;
  readonly #handlers = new Map<string, Set<BusHandler>>();
  readonly #log: (line: string) => void;
  #down = false;
  #everReady = false;
  #closed = false;
  #unpublishedAtDown = 0;
  /** The command socket, corked until the end of the tick by the tick's first publish. */
  #corked: { uncork(): void } | undefined;
  readonly #uncork = () => {
    const stream = this.#corked;
    this.#corked = undefined;
    stream?.uncork();
  };

  /** Connects both connections; rejects with BusUnavailableError if Redis is not reachable within `connectTimeoutMs`. */
  static async connect(options: RedisBusOptions = {}): Promise<RedisBus> {
    const bus = new RedisBus(options);
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new BusUnavailableError(`Redis at ${redactUrl(options.url)} not reachable within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = () => {
          if (bus.connected) {
            clearTimeout(timer);
            bus.cmd.off("ready", check);
            bus.sub.off("ready", check);
            resolve();
          }
        };
        bus.cmd.on("ready", check);
        bus.sub.on("ready", check);
        check();
      });
    } catch (err) {
      await bus.close();
      throw err;
    }
    return bus;
  }

  constructor(options: RedisBusOptions = {}) {
    super();
    this.instanceId = options.instanceId ?? newInstanceId();
    this.prefix = options.prefix ?? "";
    this.#log = options.log ?? ((l) => console.warn(l));
    const base = options.backoff?.baseMs ?? 50;
    const max = options.backoff?.maxMs ?? 2000;
    const common: RedisOptions = {
      retryStrategy: (times) => {
        const d = Math.min(base * 2 ** Math.min(times, 16), max);
        return Math.round(d + Math.random() * d * 0.2);
      },
      maxRetriesPerRequest: 0,
      ...options.redis,
    };
    const url = options.url ?? "redis://127.0.0.1:6379";
    this.cmd = new Redis(url, { ...common, enableOfflineQueue: false }) as Scripted;
    // The subscriber keeps its queue so subscriptions made during an outage go out on reconnect.
    this.sub = new Redis(url, { ...common, autoResubscribe: true, maxRetriesPerRequest: null });
    this.cmd.defineCommand("cas", { numberOfKeys: 1, lua: CAS });
    this.cmd.defineCommand("renewLease", { numberOfKeys: 1, lua: RENEW });
    this.cmd.defineCommand("acquireLease", { numberOfKeys: 1, lua: ACQUIRE });
    this.cmd.defineCommand("releaseLease", { numberOfKeys: 1, lua: RELEASE });
    for (const c of [this.cmd, this.sub]) {
      c.on("error", (err) => this.#lost(err));
      c.on("close", () => this.#lost(undefined));
      c.on("ready", () => this.#ready());
    }
    this.sub.on("messageBuffer", (ch: Buffer, msg: Buffer) => {
      const channel = ch.toString().slice(this.prefix.length);
      const set = this.#handlers.get(channel);
      if (!set) return;
      this.stats.received++;
      for (const h of set) h(msg, channel);
    });
  }

  get connected(): boolean {
    return !this.#closed && this.cmd.status === "ready" && this.sub.status === "ready";
  }

  #lost(err: Error | undefined): void {
    if (this.#closed || this.#down || !this.#everReady) return;
    this.#down = true;
    this.#unpublishedAtDown = this.stats.unpublished;
    this.#log(
      `cluster bus: Redis unreachable (${err?.message ?? "connection closed"}); serving local sockets, reconnecting`,
    );
    this.emit("down", err);
  }

  #ready(): void {
    if (this.#closed || !this.connected) return;
    this.#everReady = true;
    if (!this.#down) return;
    this.#down = false;
    this.stats.reconnects++;
    const lost = this.stats.unpublished - this.#unpublishedAtDown;
    this.#log(`cluster bus: Redis back; ${lost} message(s) could not be published during the outage`);
    this.emit("up");
  }

  #k(key: string): string {
    return this.prefix + key;
  }

  async #run<T>(f: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new BusUnavailableError("bus closed");
    try {
      return await f();
    } catch (err) {
      if (!this.connected) throw new BusUnavailableError(`Redis unreachable: ${(err as Error).message}`);
      throw err;
    }
  }

  async publish(channel: string, payload: string | Uint8Array): Promise<boolean> {
    if (!this.connected) {
      this.stats.unpublished++;
      return false;
    }
    try {
      const buf =
        typeof payload === "string" ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      this.#corkForTick();
      await this.cmd.publish(this.#k(channel), buf);
      this.stats.published++;
      return true;
    } catch {
      this.stats.unpublished++;
      return false;
    }
  }

  /**
   * The publishes of one tick (a burst of broadcasts) leave in one write: Redis then reads them at once and
   * forwards them to each subscriber in one write, so another instance gets the burst in one read and writes it
   * to its sockets as the publisher did, a tick's messages together, instead of one message (and one system call
   * per socket) at a time whenever it keeps up with Redis.
   */
  #corkForTick(): void {
    if (this.#corked) return;
    const stream = this.cmd.stream as { cork?(): void; uncork(): void } | undefined;
    if (typeof stream?.cork !== "function") return;
    stream.cork();
    this.#corked = stream;
    process.nextTick(this.#uncork);
  }

  async subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>> {
    if (this.#closed) throw new BusUnavailableError("bus closed");
    let set = this.#handlers.get(channel);
    if (!set) {
      set = new Set();
      this.#handlers.set(channel, set);
      const p = this.sub.subscribe(this.#k(channel));
      // While Redis is down the subscription waits in the subscriber's queue and goes out on reconnect.
      if (this.connected) await p;
      else p.catch(() => {});
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0 && this.#handlers.get(channel) === set) {
        this.#handlers.delete(channel);
        if (!this.#closed) await this.sub.unsubscribe(this.#k(channel)).catch(() => {});
      }
    };
  }

  async get(key: string): Promise<Versioned | undefined> {
    const r = await this.#run(() => this.cmd.hmget(this.#k(key), "v", "d"));
    const [v, d] = r;
    if (v == null || d == null) return undefined;
    return { version: Number(v), value: d };
  }

  async compareAndSet(key: string, expectedVersion: number, value: string): Promise<CasResult> {
    const [ok, version] = await this.#run(() => this.cmd.cas(this.#k(key), expectedVersion, value));
    return { ok: ok === 1, version: Number(version) };
  }

  async delete(key: string): Promise<void> {
    await this.#run(() => this.cmd.del(this.#k(key)));
  }

  async acquireLease(name: string, ttlMs: number): Promise<boolean> {
    return (await this.#run(() => this.cmd.acquireLease(this.#k(`lease:${name}`), this.instanceId, ttlMs))) === 1;
  }

  async renewLease(name: string, ttlMs: number): Promise<boolean> {
    return (await this.#run(() => this.cmd.renewLease(this.#k(`lease:${name}`), this.instanceId, ttlMs))) === 1;
  }

  async releaseLease(name: string): Promise<void> {
    await this.#run(() => this.cmd.releaseLease(this.#k(`lease:${name}`), this.instanceId));
  }

  async leaseOwner(name: string): Promise<string | undefined> {
    const owner = await this.#run<string | null>(() => this.cmd.get(this.#k(`lease:${name}`)));
    return owner ?? undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    await Promise.allSettled([quit(this.cmd), quit(this.sub)]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

async function quit(c: Redis): Promise<void> {
  if (c.status === "ready") {
    await Promise.race([c.quit().catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
  }
  c.disconnect();
}

/** The URL without its password, for messages. */
export function redactUrl(url: string | undefined): string {
  if (!url) return "redis://127.0.0.1:6379";
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid URL)";
  }
}
