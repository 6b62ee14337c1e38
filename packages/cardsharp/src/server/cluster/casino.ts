import { EventEmitter } from "node:events";
import type { ClusterBus } from "@proj/ws-core/cluster";
import { CardsharpCloseCode, type LobbyData, type LobbyTable } from "../../protocol/messages.js";
import { type ClusterKeys, clusterKeys } from "./keys.js";
import { type HandlerSettings, type InMessage, type OutItem, OwnedTable } from "./owned-table.js";
import { type LinkSocket, type LinkTarget, SocketLink } from "./socket-link.js";
import { TableStore } from "./store.js";
import { lobbyEntry, type TableConfig, type TableRecord } from "./table-record.js";

export interface ClusterOptions {
  /** The bus every instance of the casino shares (`RedisBus.connect({url})`). */
  bus: ClusterBus;
  /** Tables this instance opens in the casino when they do not exist yet (default `["main"]`); the first is `/`'s. */
  tables?: string[];
  /** How long a table's owner holds it without renewing (renewed every third): a dead owner's tables move after it. Default 5000 ms. */
  leaseMs?: number;
  /** Prefix of the casino's keys and channels (several casinos on one Redis). Default "cardsharp". */
  namespace?: string;
  /** Where ownership changes are logged, one line each. Default: nowhere. */
  log?: (line: string) => void;
}

interface Slot {
  /** The instance running the table as far as this one knows (null: none right now). */
  owner: string | null | undefined;
  owned: OwnedTable | undefined;
  taking: boolean;
  links: Set<SocketLink>;
}

type CasinoEvents = { owner: [{ table: string; owner: string | null }] };

/**
 * One instance's part of a casino served by several: the tables it owns (by lease) run here, every other
 * table is reached over the bus, and every table of the casino can be played or watched from any instance.
 * A table whose owner is gone (lease expired) is taken over by the first instance to see it, from its record.
 */
export class ClusterCasino extends EventEmitter<CasinoEvents> {
  readonly bus: ClusterBus;
  readonly keys: ClusterKeys;
  readonly store: TableStore;
  readonly defaultTable: string;
  readonly #ownTables: string[];
  readonly #leaseMs: number;
  readonly #config: TableConfig;
  readonly #settings: HandlerSettings;
  readonly #log: (line: string) => void;
  readonly #slots = new Map<string, Slot>();
  readonly #links = new Map<string, SocketLink>();
  #linkSeq = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;
  readonly #unsubs: Array<() => Promise<void>> = [];
  readonly #onUp = () => void this.tick();

  constructor(options: ClusterOptions, config: TableConfig, settings: HandlerSettings) {
    super();
    this.bus = options.bus;
    this.keys = clusterKeys(options.namespace ?? "cardsharp");
    this.store = new TableStore(this.bus, this.keys);
    this.#ownTables = options.tables && options.tables.length > 0 ? options.tables : ["main"];
    for (const t of this.#ownTables) checkTableId(t);
    this.defaultTable = this.#ownTables[0] as string;
    this.#leaseMs = options.leaseMs ?? 5000;
    this.#config = config;
    this.#settings = settings;
    this.#log = options.log ?? (() => {});
  }

  get instanceId(): string {
    return this.bus.instanceId;
  }

  /** Tables running on this instance now. */
  get ownedTables(): string[] {
    return [...this.#slots].filter(([, s]) => s.owned).map(([id]) => id);
  }

  owned(table: string): OwnedTable | undefined {
    return this.#slots.get(table)?.owned;
  }

  /** Joins the casino: opens this instance's tables if new, and takes every table that has no owner. */
  async start(): Promise<void> {
    this.#unsubs.push(
      await this.bus.subscribe(this.keys.instance(this.instanceId), (p) => this.#fromOwners(p.toString())),
      await this.bus.subscribe(this.keys.owners, (p) => this.#ownerNews(p.toString())),
    );
    const rules = this.#config.rules ?? {};
    for (const id of this.#ownTables) {
      await this.store.update(id, (current) =>
        current
          ? undefined
          : {
              id,
              owner: null,
              epoch: null,
              config: this.#config,
              seats: [],
              bankrolls: {},
              settled: [],
              rounds_settled: 0,
              min_bet: rules.minBet ?? 5,
              max_bet: rules.maxBet ?? 1000,
            },
      );
      await this.store.addTableId(id);
      this.#slot(id);
    }
    this.bus.on("up", this.#onUp);
    await this.tick();
    this.#timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.#leaseMs / 3)));
  }

  /** A client socket for `table` (undefined: the default one). Feed it frames with `link.receive`. */
  connect(socket: LinkSocket, table: string | undefined): SocketLink {
    const id = table ?? this.defaultTable;
    const link = new SocketLink(id, socket, () => `${this.instanceId}/${++this.#linkSeq}`);
    this.#links.set(link.id, link);
    void this.#place(link);
    return link;
  }

  /** The client socket closed. */
  disconnect(link: SocketLink): void {
    this.#links.delete(link.id);
    link.socketClosed();
    this.#slots.get(link.tableId)?.links.delete(link);
  }

  /** Every table of the casino, with its owner, seats and stakes. */
  async lobby(): Promise<LobbyData> {
    const tables: LobbyTable[] = [];
    let ids: string[];
    try {
      ids = [...new Set([...(await this.store.tableIds()), ...this.#slots.keys()])];
    } catch {
      ids = [...this.#slots.keys()];
    }
    for (const id of ids) {
      const owned = this.#slots.get(id)?.owned;
      try {
        const record = owned ? owned.record : await this.store.load(id);
        if (!record) continue;
        const owner = owned ? this.instanceId : ((await this.bus.leaseOwner(this.keys.lease(id))) ?? null);
        tables.push(lobbyEntry(record, owner));
      } catch {
        // Redis unreachable: only the tables running here are listed
        if (owned) tables.push(lobbyEntry(owned.record, this.instanceId));
      }
    }
    return { instance: this.instanceId, tables };
  }

  /** One pass over every table: follow owner changes, take over tables nobody owns. */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  /** Leaves the casino: tables running here are stopped and their leases released, so others take them at once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.bus.off("up", this.#onUp);
    await this.#ticking;
    for (const [id, slot] of this.#slots) {
      const owned = slot.owned;
      if (!owned) continue;
      slot.owned = undefined;
      await owned.stop(true);
      await this.bus.publish(this.keys.owners, JSON.stringify({ table: id, owner: null }));
    }
    for (const u of this.#unsubs.splice(0)) await u().catch(() => {});
  }

  // ---- internals ----

  #slot(id: string): Slot {
    let s = this.#slots.get(id);
    if (!s) {
      s = { owner: undefined, owned: undefined, taking: false, links: new Set() };
      this.#slots.set(id, s);
    }
    return s;
  }

  async #place(link: SocketLink): Promise<void> {
    let known = this.#slots.has(link.tableId);
    if (!known) {
      try {
        known = (await this.store.load(link.tableId)) !== undefined;
      } catch {
        known = false;
      }
    }
    if (link.closed) return;
    if (!known) {
      link.socket.close(CardsharpCloseCode.UnknownTable, "unknown table");
      return;
    }
    const slot = this.#slot(link.tableId);
    slot.links.add(link);
    if (slot.owner === undefined && !slot.owned) {
      try {
        slot.owner = (await this.bus.leaseOwner(this.keys.lease(link.tableId))) ?? null;
      } catch {
        // Redis unreachable: the link waits for the next tick
      }
    }
    const owner = slot.owned ? this.instanceId : slot.owner;
    if (owner && !link.closed) this.#attach(link, owner);
  }

  #attach(link: SocketLink, owner: string): void {
    const slot = this.#slots.get(link.tableId);
    const owned = slot?.owned;
    if (owner === this.instanceId && !owned) return; // being taken over here: attached once it runs
    const inbound = this.keys.inbound(link.tableId);
    const me = this.instanceId;
    const target: LinkTarget = owned
      ? { kind: "local", table: owned }
      : {
          kind: "remote",
          send: (linkId, f) => {
            const m: InMessage = { op: "frame", link: linkId, inst: me, f };
            void this.bus.publish(inbound, JSON.stringify(m));
          },
          close: (linkId) => {
            const m: InMessage = { op: "close", link: linkId };
            void this.bus.publish(inbound, JSON.stringify(m));
          },
        };
    this.#links.delete(link.id);
    link.attach(owner, target);
    this.#links.set(link.id, link);
  }

  #setOwner(id: string, owner: string | null): void {
    const slot = this.#slot(id);
    if (slot.owner !== owner) {
      slot.owner = owner;
      this.emit("owner", { table: id, owner });
    }
    for (const link of slot.links) {
      if (owner === null) link.detach();
      else if (link.owner !== owner || !link.attached) this.#attach(link, owner);
    }
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    let ids: string[];
    try {
      ids = [...new Set([...(await this.store.tableIds()), ...this.#slots.keys()])];
    } catch {
      return; // Redis unreachable: nothing to learn now
    }
    for (const id of ids) {
      if (this.#closed) return;
      const slot = this.#slot(id);
      if (slot.owned || slot.taking) continue; // an owned table renews its own lease
      try {
        const owner = await this.bus.leaseOwner(this.keys.lease(id));
        if (owner) {
          this.#setOwner(id, owner);
          continue;
        }
        // Free. Only a table with a record is taken (after Redis lost everything, its owner writes it back first).
        const record = await this.store.load(id);
        if (!record || this.#closed) continue;
        if (!(await this.bus.acquireLease(this.keys.lease(id), this.#leaseMs))) continue;
        await this.#takeOver(id, record);
      } catch {
        // Redis unreachable, or a race lost: the next tick tries again
      }
    }
  }

  async #takeOver(id: string, record: TableRecord): Promise<void> {
    const slot = this.#slot(id);
    slot.taking = true;
    const previous = record.owner;
    const owned: OwnedTable = new OwnedTable({
      bus: this.bus,
      store: this.store,
      keys: this.keys,
      record,
      leaseMs: this.#leaseMs,
      settings: this.#settings,
      onLost: (reason) => this.#lost(id, owned, reason),
    });
    try {
      await owned.start();
    } catch (err) {
      slot.taking = false;
      await owned.stop(true);
      throw err;
    }
    slot.taking = false;
    if (this.#closed) {
      await owned.stop(true);
      return;
    }
    slot.owned = owned;
    this.#log(
      previous && previous !== this.instanceId
        ? `table ${id}: taken over from ${previous}`
        : `table ${id}: running here`,
    );
    this.#setOwner(id, this.instanceId);
    await this.bus.publish(this.keys.owners, JSON.stringify({ table: id, owner: this.instanceId }));
  }

  #lost(id: string, owned: OwnedTable, reason: string): void {
    const slot = this.#slots.get(id);
    if (!slot || slot.owned !== owned) return;
    slot.owned = undefined;
    this.#log(`table ${id}: no longer running here (${reason})`);
    this.#setOwner(id, null);
    void this.tick();
  }

  /** Frames from table owners for sockets on this instance. */
  #fromOwners(text: string): void {
    let m: { items?: OutItem[] };
    try {
      m = JSON.parse(text) as { items?: OutItem[] };
    } catch {
      return;
    }
    for (const item of m.items ?? []) {
      const link = this.#links.get(item.l);
      if (!link) continue;
      if ("f" in item) link.deliver(item.f);
      else link.closeFromOwner(item.c, item.r);
    }
  }

  #ownerNews(text: string): void {
    let m: { table?: unknown; owner?: unknown };
    try {
      m = JSON.parse(text) as { table?: unknown; owner?: unknown };
    } catch {
      return;
    }
    if (typeof m.table !== "string") return;
    const slot = this.#slot(m.table);
    if (slot.owned || slot.taking) return;
    if (typeof m.owner === "string") this.#setOwner(m.table, m.owner);
    else if (m.owner === null) {
      this.#setOwner(m.table, null);
      void this.tick(); // released: take it now rather than at the next tick
    }
  }
}

/** Table ids go into paths and keys: short, no slashes or spaces. */
export function checkTableId(id: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
    throw new TypeError(`table id ${JSON.stringify(id)}: 1 to 64 letters, digits, "_", "." or "-"`);
  }
  return id;
}
