// What the examples share: their command lines (ws-core's parseCli/runCli, so `--help`, `--version`, usage
// errors with exit 2 and one-line failures with exit 1 work as for every command of these packages), a client
// connection that says what it is doing and gives up after a bounded number of attempts, and log helpers.
import {
  type CliOption,
  CliError,
  describeConnectionError,
  type ParsedCli,
  UsageError,
  wsUrlFlag,
} from "@proj/ws-core/cli";
import { NodeWebSocket } from "@proj/ws-core/node";
import { VuerClient } from "../src/client/index.js";
import { DEFAULT_ALLOWED_ORIGINS, type Vuer, type VuerOptions } from "../src/server/index.js";

export { VERSION } from "../src/version.js";

/** The flags of the example servers. */
export const serverOptions = {
  host: { type: "string", valueName: "HOST", default: "127.0.0.1", description: "address to listen on" },
  port: { type: "string", short: "p", valueName: "N", default: "8012", description: "port (0 picks a free one)" },
  "allow-origin": {
    type: "string",
    multiple: true,
    valueName: "ORIGIN",
    description:
      "a browser origin trusted besides the server's own pages and https://vuer.ai (comma-separated; '*' for any)",
  },
} as const satisfies Record<string, CliOption>;

/** The flags every example client has. */
export const clientOptions = {
  uri: {
    type: "string",
    valueName: "URI",
    description: "the server's WebSocket URL (default: $VUER_CLIENT_URI, else ws://localhost:8012)",
  },
  retries: {
    type: "string",
    valueName: "N",
    default: "3",
    description: "failed connection attempts in a row (5 s each at most) retried before giving up",
  },
} as const satisfies Record<string, CliOption>;

/**
 * `--allow-origin <origin>` (repeatable, comma-separated): browser origins trusted besides the server's own and
 * https://vuer.ai; `--allow-origin '*'` trusts every origin. Without the flag, Vuer's defaults apply.
 */
export function accessArgs(values: ParsedCli["values"]): Pick<VuerOptions, "allowedOrigins"> {
  const raw = values["allow-origin"];
  const extra = (Array.isArray(raw) ? raw : [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  if (extra.length === 0) return {};
  return { allowedOrigins: extra.includes("*") ? "*" : [...DEFAULT_ALLOWED_ORIGINS, ...extra] };
}

/** A flag's value as a number >= 0 (fractions allowed), or a UsageError naming the flag. */
export function numberFlag(values: ParsedCli["values"], name: string): number {
  const raw = values[name];
  const n = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`--${name} must be a number >= 0, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/**
 * Connects a VuerClient the way a command should: prints "connecting to URI ..." (stderr), a line per failed
 * attempt, and throws a CliError (one line, exit 1) after `--retries` failed attempts in a row. A `--uri` (or
 * VUER_CLIENT_URI) that is not a ws:// or wss:// URL is a usage error.
 */
export async function connectClient(values: ParsedCli["values"], retries: number): Promise<VuerClient> {
  const given = values.uri as string | undefined;
  const source = given !== undefined ? "--uri" : "VUER_CLIENT_URI";
  const uri = given ?? (process.env.VUER_CLIENT_URI || "ws://localhost:8012");
  wsUrlFlag(uri, source, "ws://127.0.0.1:8012");
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const client = new VuerClient({
    uri,
    WebSocket: NodeWebSocket,
    openTimeoutMs: 5000,
    reconnect: { maxRetries: retries, backoff: { minDelayMs: 250, maxDelayMs: 2000 } },
  });
  let problem: string | undefined;
  let failures = 0;
  const offError = client.on("error", (err) => {
    problem = describeConnectionError(err);
  });
  const offClose = client.on("close", (info) => {
    if (!info.willReconnect) return;
    log(`cannot connect: ${problem ?? `closed with ${info.code}`}; retrying (${++failures} of ${retries})`);
    problem = undefined;
  });
  log(`connecting to ${uri} ...`);
  try {
    await client.connect();
  } catch (err) {
    const tries = failures + 1;
    throw new CliError(
      `cannot connect to ${uri}: ${problem ?? describeConnectionError(err)}${tries > 1 ? ` (gave up after ${tries} attempts)` : ""}`,
    );
  } finally {
    offError();
    offClose();
  }
  return client;
}

/**
 * A bounded, one-line description of a client value for logs: short JSON as is, long strings, arrays, maps and
 * binary cut off after `max` characters, without ever serialising the whole value (a 4 MiB value costs as much
 * as a small one).
 */
export function preview(value: unknown, max = 200): string {
  const parts: string[] = [];
  let length = 0;
  const full = () => length > max;
  const emit = (s: string) => {
    parts.push(s);
    length += s.length;
  };
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (full()) return;
    if (typeof v === "string") {
      const room = Math.max(0, max - length);
      emit(v.length > room ? `${JSON.stringify(v.slice(0, room))}…` : JSON.stringify(v));
    } else if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
      emit(String(v)); // NaN and Infinity stay visible
    } else if (v === null || v === undefined) {
      emit("null");
    } else if (ArrayBuffer.isView(v)) {
      emit(`<${v.byteLength} bytes>`);
    } else if (typeof v !== "object" || seen.has(v)) {
      emit('"…"');
    } else if (Array.isArray(v)) {
      seen.add(v);
      emit("[");
      for (let i = 0; i < v.length && !full(); i++) {
        if (i > 0) emit(",");
        walk(v[i]);
      }
      emit("]");
    } else {
      seen.add(v);
      emit("{");
      let first = true;
      for (const k in v) {
        if (full()) break;
        if (!Object.hasOwn(v, k)) continue;
        emit(`${first ? "" : ","}${JSON.stringify(k)}:`);
        walk((v as Record<string, unknown>)[k]);
        first = false;
      }
      emit("}");
    }
  };
  walk(value);
  const text = parts.join("");
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `value.position` when it is three finite numbers (what a scene may hold), else undefined. */
export function finitePosition(value: unknown): [number, number, number] | undefined {
  const p = (value as { position?: unknown } | null | undefined)?.position;
  if (!Array.isArray(p) || p.length !== 3) return undefined;
  return p.every((n) => typeof n === "number" && Number.isFinite(n)) ? (p as [number, number, number]) : undefined;
}

/** Starts the app, prints the one `listening on` line, and closes gracefully on SIGINT/SIGTERM. */
export async function serve(app: Vuer): Promise<void> {
  const { url } = await app.start();
  console.log(`listening on ${url}`);
  console.log(`view it at ${app.viewerUrl()}`);
  const stop = async () => {
    await app.close({ graceMs: 1000 });
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
