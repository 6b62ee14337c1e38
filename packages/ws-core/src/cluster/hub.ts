import { EventEmitter } from "node:events";
import type { WireData } from "../protocol/codec.js";
import { type Connection, type PreparedFrame, preEncode, prepareFrame } from "../server/connection.js";
import type { WsEndpoint } from "../server/endpoint.js";
import type { ClusterBus } from "./bus.js";

export interface ClusterHubOptions<Ctx> {
  endpoint: WsEndpoint<Ctx>;
  bus: ClusterBus;
  /** Prefix of this hub's channels and keys, so several endpoints can share one bus. Default "ws". */
  namespace?: string;
  /**
   * Lifetime of this instance's lease; renewed every third of it. An instance whose lease expires
   * (killed, cut off from Redis) is declared lost by the others and its presence removed. Default 10 s.
   */
  leaseMs?: number;
}

/** Connections and room sizes across every live instance. */
export interface ClusterPresence {
  instances: string[];
  connections: number;
  rooms: Record<string, number>;
}

interface InstancePresence {
  connections: number;
  rooms: Record<string, number>;
}

export interface ClusterHubStats {
  /** Messages this instance handed to the bus. */
  published: number;
  /** Messages accepted (delivered locally) that could not be handed to the bus: Redis was down. */
  unpublished: number;
  /** Messages from other instances delivered to this instance's sockets (once per message, not per socket). */
  received: number;
  /** Instances this one saw lost (lease expired). */
  lost: number;
  /** Resyncs after the bus came back. */
  resyncs: number;
}

type HubEvents = {
  /** Another instance's lease expired; its presence has been removed. */
  "instance-lost": [string];
  /** The bus came back: lease, registration and presence were written again. `unpublished` is the outage's count. */
  resync: [{ unpublished: number }];
  error: [Error];
};

const BROADCAST = 0;
const ROOM = 1;

/**
 * Makes one `WsEndpoint` part of a cluster: `broadcast` and room messages (`to`) reach sockets on every
 * instance sharing the bus. Each message is serialised and framed once per instance: the publishing
 * instance frames it for its own sockets and publishes the payload once; every other instance frames it
 * once on arrival. Presence (connections, room sizes) is kept per instance under a lease.
 */
export class ClusterHub<Ctx = unknown> extends EventEmitter<HubEvents> {
  readonly endpoint: WsEndpoint<Ctx>;
  readonly bus: ClusterBus;
  readonly namespace: string;
  readonly leaseMs: number;
  readonly stats: ClusterHubStats = { published: 0, unpublished: 0, received: 0, lost: 0, resyncs: 0 };
  readonly #rooms = new Map<string, Set<Connection<Ctx>>>();
  readonly #memberOf = new Map<Connection<Ctx>, Set<string>>();
  readonly #roomSubs = new Map<string, Promise<() => Promise<void>>>();
  readonly #unsub: Array<() => Promise<void>> = [];
  readonly #idBytes: Buffer;
  #timer: ReturnType<typeof setInterval> | undefined;
  #presenceTimer: ReturnType<typeof setTimeout> | undefined;
  #presenceVersion = 0;
  #closed = false;
  #outageStart = 0;
  readonly #onDisconnect = (c: Connection<Ctx>) => this.#dropConnection(c);
  readonly #onConnection = () => this.#presenceChanged();
  readonly #onDown = () => {
    this.#outageStart = this.stats.unpublished;
  };
  readonly #onUp = () => {
    void this.#resync();
  };

  /** Creates the hub and joins the cluster (subscribes, takes the instance lease, registers, writes presence). */
  static async start<Ctx>(options: ClusterHubOptions<Ctx>): Promise<ClusterHub<Ctx>> {
    const hub = new ClusterHub(options);
    await hub.#start();
    return hub;
  }

  private constructor(options: ClusterHubOptions<Ctx>) {
    super();
    this.endpoint = options.endpoint;
    this.bus = options.bus;
    this.namespace = options.namespace ?? "ws";
    this.leaseMs = options.leaseMs ?? 10_000;
    this.#idBytes = Buffer.from(this.bus.instanceId);
    if (this.#idBytes.length > 255) throw new RangeError("instanceId longer than 255 bytes");
  }

  get instanceId(): string {
    return this.bus.instanceId;
  }

  async #start(): Promise<void> {
    this.#unsub.push(await this.bus.subscribe(`${this.namespace}:b`, (m) => this.#arrive(m)));
    this.endpoint.on("disconnect", this.#onDisconnect);
    this.endpoint.on("connection", this.#onConnection);
    this.bus.on("down", this.#onDown);
    this.bus.on("up", this.#onUp);
    await this.#register();
    this.#timer = setInterval(() => void this.#tick(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.#timer.unref();
  }

  // ---- messages --------------------------------------------------------------------------------

  /** Sends to every socket of this endpoint on every instance; returns how many local sockets took it. */
  broadcast(data: WireData | PreparedFrame): number {
    const frame = preEncode(prepareFrame(data));
    // Published first: the bus's write then leaves before this tick's local writes, and the other instances start
    // on the message while this one writes to its own sockets.
    this.#publish(`${this.namespace}:b`, BROADCAST, frame);
    return this.endpoint.broadcast(frame);
  }

  /** Sends to every member of `room` on every instance; returns how many local members took it. */
  to(room: string, data: WireData | PreparedFrame): number {
    const frame = prepareFrame(data);
    this.#publish(this.#roomChannel(room), ROOM, frame);
    return this.#deliverRoom(room, frame);
  }

  /** Adds a local connection to `room` (this instance then listens to the room's channel). */
  async join(conn: Connection<Ctx>, room: string): Promise<void> {
    let members = this.#rooms.get(room);
    if (!members) {
      members = new Set();
      this.#rooms.set(room, members);
    }
    members.add(conn);
    let mine = this.#memberOf.get(conn);
    if (!mine) {
      mine = new Set();
      this.#memberOf.set(conn, mine);
    }
    mine.add(room);
    let sub = this.#roomSubs.get(room);
    if (!sub) {
      sub = this.bus.subscribe(this.#roomChannel(room), (m) => this.#arrive(m, room));
      this.#roomSubs.set(room, sub);
    }
    this.#presenceChanged();
    await sub;
  }

  leave(conn: Connection<Ctx>, room: string): void {
    this.#memberOf.get(conn)?.delete(room);
    const members = this.#rooms.get(room);
    if (!members?.delete(conn)) return;
    if (members.size === 0) this.#dropRoom(room);
    this.#presenceChanged();
  }

  /** The rooms a local connection is in. */
  roomsOf(conn: Connection<Ctx>): string[] {
    return [...(this.#memberOf.get(conn) ?? [])];
  }

  /** Local members of `room`. */
  localMembers(room: string): ReadonlySet<Connection<Ctx>> {
    return this.#rooms.get(room) ?? new Set();
  }

  #roomChannel(room: string): string {
    return `${this.namespace}:r:${room}`;
  }

  #deliverRoom(room: string, frame: PreparedFrame): number {
    const members = this.#rooms.get(room);
    if (!members) return 0;
    if (members.size > 1) preEncode(frame);
    let sent = 0;
    for (const c of members) if (c.send(frame) === "sent") sent++;
    return sent;
  }

  // Envelope: [kind u8][binary u8][idLen u8][instance id][payload]; the payload is the frame's bytes as is.
  #publish(channel: string, kind: number, frame: PreparedFrame): void {
    const head = Buffer.allocUnsafe(3);
    head[0] = kind;
    head[1] = frame.binary ? 1 : 0;
    head[2] = this.#idBytes.length;
    const msg = Buffer.concat([head, this.#idBytes, frame.data]);
    void this.bus.publish(channel, msg).then((ok) => {
      if (ok) this.stats.published++;
      else this.stats.unpublished++;
    });
  }

  #arrive(msg: Buffer, room?: string): void {
    if (msg.length < 3) return;
    const idLen = msg[2] ?? 0;
    if (msg.length < 3 + idLen) return;
    // Our own message: already delivered locally when it was sent.
    if (idLen === this.#idBytes.length && msg.subarray(3, 3 + idLen).equals(this.#idBytes)) return;
    const frame: PreparedFrame = { data: msg.subarray(3 + idLen), binary: msg[1] === 1 };
    this.stats.received++;
    if (msg[0] === ROOM && room !== undefined) this.#deliverRoom(room, frame);
    else if (msg[0] === BROADCAST) this.endpoint.broadcast(preEncode(frame));
  }

  #dropConnection(c: Connection<Ctx>): void {
    const mine = this.#memberOf.get(c);
    this.#memberOf.delete(c);
    for (const room of mine ?? []) {
      const members = this.#rooms.get(room);
      members?.delete(c);
      if (members && members.size === 0) this.#dropRoom(room);
    }
    this.#presenceChanged();
  }

  #dropRoom(room: string): void {
    this.#rooms.delete(room);
    const sub = this.#roomSubs.get(room);
    this.#roomSubs.delete(room);
    void sub?.then((off) => off()).catch(() => {});
  }

  // ---- presence and leases ---------------------------------------------------------------------

  #leaseName(id: string): string {
    return `${this.namespace}:instance:${id}`;
  }

  #presenceKey(id: string): string {
    return `${this.namespace}:presence:${id}`;
  }

  #localPresence(): InstancePresence {
    const rooms: Record<string, number> = {};
    for (const [r, m] of this.#rooms) rooms[r] = m.size;
    return { connections: this.endpoint.connections.size, rooms };
  }

  #presenceChanged(): void {
    if (this.#presenceTimer || this.#closed) return;
    this.#presenceTimer = setTimeout(() => {
      this.#presenceTimer = undefined;
      void this.#writePresence().catch(() => {});
    }, 20);
    this.#presenceTimer.unref();
  }

  async #writePresence(): Promise<void> {
    if (!this.bus.connected || this.#closed) return;
    const key = this.#presenceKey(this.instanceId);
    const value = JSON.stringify(this.#localPresence());
    // Only this instance writes its key; a lost race (after an outage) re-reads the version once.
    let r = await this.bus.compareAndSet(key, this.#presenceVersion, value);
    if (!r.ok) r = await this.bus.compareAndSet(key, r.version, value);
    if (r.ok) this.#presenceVersion = r.version;
  }

  async #editRegistry(edit: (ids: Set<string>) => boolean): Promise<void> {
    const key = `${this.namespace}:instances`;
    for (let i = 0; i < 50; i++) {
      const cur = await this.bus.get(key);
      const ids = new Set<string>(cur ? (JSON.parse(cur.value) as string[]) : []);
      if (!edit(ids)) return;
      const r = await this.bus.compareAndSet(key, cur?.version ?? 0, JSON.stringify([...ids]));
      if (r.ok) return;
    }
    throw new Error("cluster registry: too much contention");
  }

  async #register(): Promise<void> {
    await this.bus.acquireLease(this.#leaseName(this.instanceId), this.leaseMs);
    await this.#editRegistry((ids) => {
      if (ids.has(this.instanceId)) return false;
      ids.add(this.instanceId);
      return true;
    });
    this.#presenceVersion = (await this.bus.get(this.#presenceKey(this.instanceId)))?.version ?? 0;
    await this.#writePresence();
  }

  async #resync(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#register();
      this.stats.resyncs++;
      this.emit("resync", { unpublished: this.stats.unpublished - this.#outageStart });
    } catch (err) {
      // The bus dropped again; the next `up` retries.
      if (this.bus.connected) this.emit("error", err as Error);
    }
  }

  async #tick(): Promise<void> {
    if (this.#closed || !this.bus.connected) return;
    try {
      if (!(await this.bus.renewLease(this.#leaseName(this.instanceId), this.leaseMs))) {
        // Our lease expired (a long stall or an outage): take it again and re-publish our state.
        await this.#register();
      }
      await this.#sweep();
    } catch {
      // Bus trouble: the bus reports the outage; the next tick retries.
    }
  }

  /** Declares lost every registered instance without a live lease, and removes its presence. */
  async #sweep(): Promise<void> {
    const cur = await this.bus.get(`${this.namespace}:instances`);
    if (!cur) return;
    for (const id of JSON.parse(cur.value) as string[]) {
      if (id === this.instanceId) continue;
      if ((await this.bus.leaseOwner(this.#leaseName(id))) !== undefined) continue;
      await this.bus.delete(this.#presenceKey(id));
      let removed = false;
      await this.#editRegistry((ids) => {
        removed = ids.delete(id);
        return removed;
      });
      // Several survivors may sweep at once; only the one whose edit removed it reports the loss.
      if (removed) {
        this.stats.lost++;
        this.emit("instance-lost", id);
      }
    }
  }

  /** Live instances (registered, lease held). */
  async instances(): Promise<string[]> {
    const cur = await this.bus.get(`${this.namespace}:instances`);
    return cur ? (JSON.parse(cur.value) as string[]) : [];
  }

  /** Connections and room sizes summed over every registered instance. */
  async presence(): Promise<ClusterPresence> {
    const instances = await this.instances();
    const out: ClusterPresence = { instances, connections: 0, rooms: {} };
    for (const id of instances) {
      const p =
        id === this.instanceId
          ? this.#localPresence()
          : (JSON.parse((await this.bus.get(this.#presenceKey(id)))?.value ?? "null") as InstancePresence | null);
      if (!p) continue;
      out.connections += p.connections;
      for (const [r, n] of Object.entries(p.rooms)) out.rooms[r] = (out.rooms[r] ?? 0) + n;
    }
    return out;
  }

  /** Leaves the cluster: unsubscribes, removes this instance's presence and registration, releases its lease. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#presenceTimer) clearTimeout(this.#presenceTimer);
    this.endpoint.off("disconnect", this.#onDisconnect);
    this.endpoint.off("connection", this.#onConnection);
    this.bus.off("down", this.#onDown);
    this.bus.off("up", this.#onUp);
    const subs = [...this.#roomSubs.values()];
    this.#roomSubs.clear();
    await Promise.allSettled([...this.#unsub.map((u) => u()), ...subs.map((s) => s.then((off) => off()))]);
    if (this.bus.connected) {
      await Promise.allSettled([
        this.bus.delete(this.#presenceKey(this.instanceId)),
        this.#editRegistry((ids) => ids.delete(this.instanceId)),
        this.bus.releaseLease(this.#leaseName(this.instanceId)),
      ]);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
