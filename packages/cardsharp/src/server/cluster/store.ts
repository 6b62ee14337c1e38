import type { ClusterBus } from "@proj/ws-core/cluster";
import type { ClusterKeys } from "./keys.js";
import { applySettlement, parseRecord, type Settlement, type TableRecord } from "./table-record.js";

/** This instance no longer owns the table (another took it over): stop running it. */
export class LostTableError extends Error {
  override name = "LostTableError";
}

/** Table records and the table index on the bus's compare-and-set store. */
export class TableStore {
  readonly bus: ClusterBus;
  readonly keys: ClusterKeys;

  constructor(bus: ClusterBus, keys: ClusterKeys) {
    this.bus = bus;
    this.keys = keys;
  }

  async load(id: string): Promise<TableRecord | undefined> {
    const v = await this.bus.get(this.keys.record(id));
    return v ? parseRecord(v.value) : undefined;
  }

  /**
   * Read, change, compare-and-set, again on a conflict. `change` gets the stored record (undefined when absent)
   * and returns the new one, or undefined to leave it. Resolves with what is stored afterwards.
   */
  async update(
    id: string,
    change: (current: TableRecord | undefined) => TableRecord | undefined,
  ): Promise<TableRecord | undefined> {
    const key = this.keys.record(id);
    for (let attempt = 0; ; attempt++) {
      const v = await this.bus.get(key);
      const current = v ? parseRecord(v.value) : undefined;
      const next = change(current);
      if (!next) return current;
      const r = await this.bus.compareAndSet(key, v?.version ?? 0, JSON.stringify(next));
      if (r.ok) return next;
      if (attempt >= 50) throw new Error(`table ${id}: record kept changing under compare-and-set`);
    }
  }

  /**
   * Applies one round's settlement exactly once: a retry with the same id (say, after a reply lost with the
   * connection) finds the id in the record and changes nothing. Only `owner` may settle.
   */
  settle(id: string, settlement: Settlement, owner: string): Promise<TableRecord | undefined> {
    return this.update(id, (current) => {
      if (!current) throw new LostTableError(`table ${id} has no record`);
      if (current.owner !== owner) throw new LostTableError(`table ${id} is owned by ${current.owner}`);
      return applySettlement(current, settlement);
    });
  }

  async tableIds(): Promise<string[]> {
    const v = await this.bus.get(this.keys.index);
    if (!v) return [];
    try {
      const ids = JSON.parse(v.value) as unknown;
      return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === "string") : [];
    } catch {
      return [];
    }
  }

  async addTableId(id: string): Promise<void> {
    for (;;) {
      const v = await this.bus.get(this.keys.index);
      const ids: string[] = v ? (JSON.parse(v.value) as string[]) : [];
      if (ids.includes(id)) return;
      const r = await this.bus.compareAndSet(this.keys.index, v?.version ?? 0, JSON.stringify([...ids, id]));
      if (r.ok) return;
    }
  }
}
