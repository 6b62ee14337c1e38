import type { BotKind } from "../bots.js";
import type { TableTimings } from "../timers.js";
import type { EngineOptions } from "../../engine/engine.js";
import type { LobbyTable } from "../../protocol/messages.js";

/** What any instance needs to run a table it takes over (JSON). */
export interface TableConfig {
  rules?: EngineOptions["rules"];
  timings?: Partial<TableTimings>;
  bots?: number;
  botKind?: BotKind;
  maxSeats?: number;
  startingBalance?: number;
  botBalance?: number;
}

export interface RecordSeat {
  client_id: string;
  player_name: string;
  /** The seat's resume token, so a takeover keeps it (a seat is resumed only with it). */
  token?: string;
}

/** A table as kept in Redis: written only by its owner (fenced by `owner` under compare-and-set). */
export interface TableRecord {
  id: string;
  owner: string | null;
  /** The current owner's game id: settlement ids are `epoch:round_id`, unique across owners. */
  epoch: string | null;
  config: TableConfig;
  seats: RecordSeat[];
  /** Human bankrolls in cents, by client id, as of the last settled round (a client absent here has the starting balance). */
  bankrolls: Record<string, number>;
  /** Ids of the latest settlements applied (newest last), so a retried one is not applied twice. */
  settled: string[];
  rounds_settled: number;
  min_bet: number;
  max_bet: number;
}

/** One round's money: each human's net for the round, in cents. */
export interface Settlement {
  id: string;
  deltas: Record<string, number>;
}

/** How many settlement ids a record remembers (retries come within a round or two). */
export const SETTLED_KEPT = 256;

/** The record with `s` applied, or undefined when it was applied already (exactly once). */
export function applySettlement(record: TableRecord, s: Settlement): TableRecord | undefined {
  if (record.settled.includes(s.id)) return undefined;
  const start = Math.round((record.config.startingBalance ?? 1000) * 100);
  const bankrolls = { ...record.bankrolls };
  for (const [client, delta] of Object.entries(s.deltas)) bankrolls[client] = (bankrolls[client] ?? start) + delta;
  const settled = [...record.settled, s.id].slice(-SETTLED_KEPT);
  return { ...record, bankrolls, settled, rounds_settled: record.rounds_settled + 1 };
}

/** A client's bankroll at a table in dollars (the starting balance if it never played there). */
export function bankrollOf(record: TableRecord, clientId: string): number {
  const cents = record.bankrolls[clientId];
  return cents === undefined ? (record.config.startingBalance ?? 1000) : cents / 100;
}

export function lobbyEntry(record: TableRecord, owner: string | null): LobbyTable {
  return {
    table_id: record.id,
    owner,
    path: `/tables/${encodeURIComponent(record.id)}`,
    min_bet: record.min_bet,
    max_bet: record.max_bet,
    max_seats: record.config.maxSeats ?? 7,
    bots: record.config.bots ?? 0,
    seats: record.seats.map((s) => ({ client_id: s.client_id, player_name: s.player_name })),
    rounds_settled: record.rounds_settled,
  };
}

export function parseRecord(text: string): TableRecord | undefined {
  try {
    const r = JSON.parse(text) as TableRecord;
    return r && typeof r.id === "string" && Array.isArray(r.seats) ? r : undefined;
  } catch {
    return undefined;
  }
}
