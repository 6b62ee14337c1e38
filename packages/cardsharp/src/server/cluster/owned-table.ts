import { randomUUID } from "node:crypto";
import type { ClusterBus } from "@proj/ws-core/cluster";
import type { EventPayload } from "../../engine/events.js";
import { EventBus } from "../event-bus.js";
import { BlackjackTable } from "../table.js";
import type { Timers } from "../timers.js";
import { WebAdapter } from "../web-adapter.js";
import { type ClientSession, type ClientTransport, WebSocketEventHandler } from "../websocket-event-handler.js";
import type { ClusterKeys } from "./keys.js";
import { LostTableError, type TableStore } from "./store.js";
import { applySettlement, bankrollOf, type RecordSeat, type Settlement, type TableRecord } from "./table-record.js";

/** Options of the protocol handler every table of an instance shares. */
export interface HandlerSettings {
  autoSeat: boolean;
  heartbeatIntervalMs?: number;
  inactivityTimeoutMs?: number;
  timers?: Timers;
}

/** A frame (or a close) for one relayed socket, batched per instance. */
export type OutItem = { l: string; f: string } | { l: string; c: number; r: string };

/** Client frames relayed to the owner over the bus (`inbound` channel). */
export type InMessage = { op: "frame"; link: string; inst: string; f: string } | { op: "close"; link: string };

interface Relayed {
  session: ClientSession;
  inst: string;
}

/**
 * A table this instance owns (it holds the table's lease): the real BlackjackTable with its own protocol handler,
 * for sockets on this instance (local links) and on others (relayed over the bus, one virtual session per socket).
 * Seats, resume tokens and bankrolls go to the table record; each round's settlement is made durable before the
 * next round opens, and exactly once (settlement id `epoch:round_id`).
 */
export class OwnedTable {
  readonly id: string;
  readonly events = new EventBus();
  readonly handler: WebSocketEventHandler;
  readonly table: BlackjackTable;
  readonly epoch = randomUUID();
  readonly #bus: ClusterBus;
  readonly #store: TableStore;
  readonly #keys: ClusterKeys;
  readonly #leaseMs: number;
  readonly #onLost: (reason: string) => void;
  readonly #relayed = new Map<string, Relayed>();
  readonly #outbox = new Map<string, OutItem[]>();
  /** The last record written; `#rec` is it with the settlements not yet written applied. */
  #shadow: TableRecord;
  #rec: TableRecord;
  #pending: Settlement[] = [];
  readonly #seats = new Map<string, RecordSeat>();
  #writing: Promise<void> | undefined;
  #again = false;
  #started = false;
  #stopped = false;
  #silenced = false;
  #unsubscribe: (() => Promise<void>) | undefined;
  #renewTimer: ReturnType<typeof setInterval> | undefined;
  readonly #onUp = () => void this.#resync();

  constructor(options: {
    bus: ClusterBus;
    store: TableStore;
    keys: ClusterKeys;
    record: TableRecord;
    leaseMs: number;
    settings: HandlerSettings;
    onLost: (reason: string) => void;
  }) {
    const { record, settings } = options;
    this.id = record.id;
    this.#bus = options.bus;
    this.#store = options.store;
    this.#keys = options.keys;
    this.#leaseMs = options.leaseMs;
    this.#onLost = options.onLost;
    this.#shadow = this.#rec = record;
    this.handler = new WebSocketEventHandler({
      bus: this.events,
      ...(settings.heartbeatIntervalMs !== undefined ? { heartbeatIntervalMs: settings.heartbeatIntervalMs } : {}),
      ...(settings.inactivityTimeoutMs !== undefined ? { inactivityTimeoutMs: settings.inactivityTimeoutMs } : {}),
      ...(settings.timers ? { timers: settings.timers } : {}),
    });
    const adapter = new WebAdapter({ useWebsockets: true, handler: this.handler, autoSeat: settings.autoSeat });
    const c = record.config;
    this.table = new BlackjackTable({
      bus: this.events,
      gameId: this.epoch,
      ...(c.rules ? { rules: c.rules } : {}),
      ...(c.timings ? { timings: c.timings } : {}),
      ...(c.bots !== undefined ? { bots: c.bots } : {}),
      ...(c.botKind ? { botKind: c.botKind } : {}),
      ...(c.maxSeats !== undefined ? { maxSeats: c.maxSeats } : {}),
      ...(c.startingBalance !== undefined ? { startingBalance: c.startingBalance } : {}),
      ...(c.botBalance !== undefined ? { botBalance: c.botBalance } : {}),
      ...(settings.timers ? { timers: settings.timers } : {}),
      balanceFor: (clientId) => bankrollOf(this.#rec, clientId),
      beforeNextRound: () => this.#durable(),
    });
    adapter.attach(this.table);
    this.events.on("PLAYER_JOINED", (d) => this.#joined(d));
    this.events.on("PLAYER_LEFT", (d) => this.#left(d));
    this.events.on("ROUND_ENDED", (d) => this.#roundEnded(d));
    // The seats of the record come back held for their owners, with their resume tokens.
    for (const s of record.seats) {
      try {
        if (s.token) this.handler.adoptResumeToken(s.client_id, s.token);
        this.table.seatHuman(s.client_id, s.player_name, { away: true });
      } catch {
        // table full (a smaller maxSeats?): the seat is dropped, its bankroll stays in the record
      }
    }
  }

  /** The record with this owner's seats and the settlements not yet written. */
  get record(): TableRecord {
    return { ...this.#rec, seats: [...this.#seats.values()] };
  }

  /** Listens for relayed frames, writes the record (owner, epoch), starts the round loop and the lease renewal. */
  async start(): Promise<void> {
    this.#unsubscribe = await this.#bus.subscribe(this.#keys.inbound(this.id), (payload) =>
      this.#inbound(payload.toString()),
    );
    // We hold the lease: the record becomes ours (an old owner still writing is refused from now on).
    const seats = [...this.#seats.values()];
    const mine = (r: TableRecord): TableRecord => ({ ...r, owner: this.#bus.instanceId, epoch: this.epoch, seats });
    const stored = await this.#store.update(this.id, (current) => mine(current ?? this.#rec));
    this.#rec = this.#shadow = stored ?? mine(this.#rec);
    this.#started = true;
    this.#bus.on("up", this.#onUp);
    this.#renewTimer = setInterval(() => void this.#renew(), Math.max(50, Math.floor(this.#leaseMs / 3)));
    this.handler.start();
    this.table.start();
  }

  /** A socket on this instance: frames go straight to the handler. */
  openLocal(transport: ClientTransport): ClientSession {
    return this.handler.open(this.#silencable(transport));
  }

  receiveLocal(session: ClientSession, frame: string): void {
    this.#receive(session, frame);
  }

  closeLocal(session: ClientSession): void {
    this.handler.transportClosed(session);
  }

  /**
   * Stops running the table: the round loop ends, nothing more goes to any socket (the instances holding them
   * move them to the next owner). With `release`, the lease is given up so another instance takes over at once.
   */
  async stop(release: boolean): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#silenced = true;
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    this.#bus.off("up", this.#onUp);
    await this.#unsubscribe?.().catch(() => {});
    await this.table.stop();
    this.handler.stop();
    if (release) {
      await this.#flush().catch(() => {});
      await this.#bus.releaseLease(this.#keys.lease(this.id)).catch(() => {});
    }
  }

  // ---- relayed sockets ----

  #inbound(text: string): void {
    if (this.#stopped) return;
    let m: InMessage;
    try {
      m = JSON.parse(text) as InMessage;
    } catch {
      return;
    }
    if (m.op === "close") {
      const r = this.#relayed.get(m.link);
      if (r) {
        this.#relayed.delete(m.link);
        this.handler.transportClosed(r.session);
      }
      return;
    }
    if (m.op !== "frame" || typeof m.f !== "string" || typeof m.inst !== "string") return;
    let r = this.#relayed.get(m.link);
    if (!r) {
      const link = m.link;
      const inst = m.inst;
      const session = this.handler.open(
        this.#silencable({
          send: (f) => this.#queue(inst, { l: link, f }),
          close: (c, reason) => {
            this.#relayed.delete(link);
            this.#queue(inst, { l: link, c, r: reason });
          },
        }),
      );
      r = { session, inst };
      this.#relayed.set(link, r);
    }
    this.#receive(r.session, m.f);
  }

  #receive(session: ClientSession, frame: string): void {
    try {
      this.handler.receive(session, frame);
    } catch (err) {
      // A bug must cost one error reply, not the table.
      session.transport.send(JSON.stringify({ type: "error", data: { message: String(err), code: "INTERNAL_ERROR" } }));
    }
  }

  #silencable(t: ClientTransport): ClientTransport {
    return {
      ...t,
      send: (text) => (this.#silenced ? undefined : t.send(text)),
      close: (code, reason) => {
        if (!this.#silenced) t.close(code, reason);
      },
    };
  }

  /** Frames for one instance's sockets go out in one publish per tick, in order. */
  #queue(inst: string, item: OutItem): void {
    let q = this.#outbox.get(inst);
    if (!q) {
      q = [];
      this.#outbox.set(inst, q);
      queueMicrotask(() => {
        this.#outbox.delete(inst);
        void this.#bus.publish(this.#keys.instance(inst), JSON.stringify({ table: this.id, items: q }));
      });
    }
    q.push(item);
  }

  // ---- the record ----

  #joined(d: EventPayload<"PLAYER_JOINED">): void {
    const clientId = d.client_id;
    if (typeof clientId !== "string") return; // a bot
    const token = this.handler.resumeTokenOf(clientId);
    this.#seats.set(clientId, { client_id: clientId, player_name: d.player_name, ...(token ? { token } : {}) });
    if (this.#started) void this.#flush().catch(() => {});
  }

  #left(d: EventPayload<"PLAYER_LEFT">): void {
    const clientId = d.player_id.startsWith("player-") ? d.player_id.slice("player-".length) : undefined;
    if (clientId === undefined || !this.#seats.delete(clientId)) return;
    if (this.#started) void this.#flush().catch(() => {});
  }

  #roundEnded(d: EventPayload<"ROUND_ENDED">): void {
    if (d.abandoned) return;
    const deltas: Record<string, number> = {};
    for (const [playerId, r] of Object.entries(d.results)) {
      if (!playerId.startsWith("player-")) continue; // bots' money is not kept
      deltas[playerId.slice("player-".length)] = Math.round(r.net * 100);
    }
    const s: Settlement = { id: `${this.epoch}:${d.round_id}`, deltas };
    this.#pending.push(s);
    this.#rec = applySettlement(this.#rec, s) ?? this.#rec;
  }

  /** Before the next round: the settlement is written (retried while Redis is down), or the table is lost. */
  async #durable(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#flush();
        return;
      } catch (err) {
        if (err instanceof LostTableError) {
          this.#lose(err.message);
          return;
        }
        // Redis unreachable (or a write that kept failing): the table waits here, at the round boundary.
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            this.#bus.off("up", done);
            resolve();
          };
          const t = setTimeout(done, 1000);
          this.#bus.on("up", done);
        });
      }
    }
  }

  /** Writes the record (one write at a time; a change during a write is written after it). */
  #flush(): Promise<void> {
    if (this.#writing) {
      this.#again = true;
      return this.#writing;
    }
    const run = async () => {
      do {
        this.#again = false;
        await this.#write();
      } while (this.#again);
    };
    this.#writing = run().finally(() => {
      this.#writing = undefined;
    });
    return this.#writing;
  }

  async #write(): Promise<void> {
    const me = this.#bus.instanceId;
    const batch = [...this.#pending];
    const seats = [...this.#seats.values()];
    const stored = await this.#store.update(this.id, (current) => {
      // Absent: Redis lost it (restart without persistence): this owner's copy is written back.
      let r = current ?? this.#shadow;
      if (r.owner !== me) throw new LostTableError(`table ${this.id} is owned by ${r.owner}`);
      for (const s of batch) r = applySettlement(r, s) ?? r;
      return { ...r, seats, epoch: this.epoch };
    });
    if (!stored) return;
    this.#shadow = stored;
    this.#pending = this.#pending.filter((s) => !batch.includes(s));
    let rec = stored;
    for (const s of this.#pending) rec = applySettlement(rec, s) ?? rec;
    this.#rec = rec;
  }

  async #renew(): Promise<void> {
    if (this.#stopped) return;
    const lease = this.#keys.lease(this.id);
    try {
      if (await this.#bus.renewLease(lease, this.#leaseMs)) return;
      // Expired (or Redis restarted empty): take it again if nobody else has.
      if (await this.#bus.acquireLease(lease, this.#leaseMs)) {
        await this.#flush();
        return;
      }
      this.#lose(`lease taken by ${await this.#bus.leaseOwner(lease)}`);
    } catch (err) {
      if (err instanceof LostTableError) this.#lose(err.message);
      // Redis unreachable: keep serving; the lease is taken again when it is back.
    }
  }

  /** Redis is back (maybe empty): lease first (so nobody takes the table meanwhile), then the record. */
  async #resync(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (!(await this.#bus.acquireLease(this.#keys.lease(this.id), this.#leaseMs))) {
        this.#lose("lease taken while Redis was unreachable");
        return;
      }
      await this.#store.addTableId(this.id);
      await this.#flush();
    } catch (err) {
      if (err instanceof LostTableError) this.#lose(err.message);
    }
  }

  #lose(reason: string): void {
    if (this.#stopped) return;
    void this.stop(false);
    this.#onLost(reason);
  }
}
