/** One line of the emulator's log, shaped like a kvmd journal record (`GET /api/log`). */
export interface LogRecord {
  /** ms since epoch. */
  ts: number;
  service: string;
  msg: string;
}

/**
 * A bounded in-memory log (kvmd reads the systemd journal instead): what `GET /api/log` shows, with `seek`
 * (records of the last N seconds) and `follow` (new records as they come).
 */
export class EmulatorLog {
  readonly #records: LogRecord[] = [];
  readonly #limit: number;
  readonly #followers = new Set<(r: LogRecord) => void>();

  constructor(limit = 1000) {
    this.#limit = limit;
  }

  get records(): readonly LogRecord[] {
    return this.#records;
  }

  info(source: string, msg: string): void {
    if (this.#limit <= 0) return;
    const r: LogRecord = { ts: Date.now(), service: "kvmd.service", msg: `${source.padEnd(34)} INFO --- ${msg}` };
    this.#records.push(r);
    if (this.#records.length > this.#limit) this.#records.splice(0, this.#records.length - this.#limit);
    for (const f of this.#followers) f(r);
  }

  /** Records newer than `seek` seconds ago (0: all kept). */
  since(seek: number): LogRecord[] {
    if (seek <= 0) return [...this.#records];
    const from = Date.now() - seek * 1000;
    return this.#records.filter((r) => r.ts >= from);
  }

  /** Calls `fn` for every new record until the returned function is called. */
  follow(fn: (r: LogRecord) => void): () => void {
    this.#followers.add(fn);
    return () => this.#followers.delete(fn);
  }
}

/** kvmd's line format: `[YYYY-MM-DD HH:MM:SS service] --- message` and CRLF. */
export function formatLogRecord(r: LogRecord): string {
  const d = new Date(r.ts);
  const p = (n: number) => String(n).padStart(2, "0");
  const dt = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return `[${dt} ${r.service}] --- ${r.msg}\r\n`;
}
