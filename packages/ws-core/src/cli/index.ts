// One behaviour for every command-line tool of the @proj packages (Node only):
// -h/--help prints usage and exits 0; --version prints the version; a usage error prints the message and
// the usage on stderr and exits 2; a runtime failure prints one line (no stack trace) and exits 1.
import { parseArgs } from "node:util";

export interface CliOption {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  default?: string | boolean | readonly string[];
  /** What the flag does, shown in --help. */
  description: string;
  /** The value's name in --help (`--port N`). Default "VALUE". */
  valueName?: string;
}

export interface CliSpec {
  /** The command's name (`wsh`, `pikvm-emulator`). */
  name: string;
  version: string;
  /** One line: what the command is for. */
  summary: string;
  /** Synopsis lines after the name, e.g. `[options] [-- COMMAND [ARGS...]]`. */
  usage: readonly string[];
  options: Readonly<Record<string, CliOption>>;
  /** Positional arguments allowed (described in `usage`). Default false. */
  positionals?: boolean;
  /** Runnable example lines, shown at the end of --help. */
  examples?: readonly string[];
}

/** A mistake in how the command was called: usage on stderr, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure with a message meant for the user as it is: one line on stderr, exit 1. */
export class CliError extends Error {
  override name = "CliError";
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function formatHelp(spec: CliSpec): string {
  const lines = [`${spec.name} ${spec.version}: ${spec.summary}`, "", "Usage:"];
  for (const u of spec.usage) lines.push(`  ${spec.name} ${u}`);
  lines.push("", "Options:");
  const rows: Array<[string, string]> = Object.entries(spec.options).map(([long, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${long}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`;
    const def =
      o.default === undefined || o.default === false || (Array.isArray(o.default) && !o.default.length)
        ? ""
        : ` (default: ${typeof o.default === "object" ? o.default.join(",") : o.default})`;
    return [flag, `${o.description}${o.multiple ? " (repeatable)" : ""}${def}`];
  });
  rows.push(["-h, --help", "show this help and exit"], ["    --version", "print the version and exit"]);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  for (const [f, d] of rows) lines.push(`  ${f.padEnd(width)}${d}`);
  if (spec.examples?.length) {
    lines.push("", "Examples:");
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return `${lines.join("\n")}\n`;
}

export interface ParsedCli {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` against `spec`. Handles --help and --version itself (prints, exits 0) and refuses
 * unknown flags, missing values and stray positionals with a UsageError. A leading `--` is dropped:
 * `pnpm run x -- --port 0` passes it through to the script.
 */
export function parseCli(spec: CliSpec, argv: string[] = process.argv.slice(2)): ParsedCli {
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  if (args.includes("-h") || args.includes("--help")) {
    const dashdash = args.indexOf("--");
    const at = Math.max(args.indexOf("-h"), args.indexOf("--help"));
    if (dashdash < 0 || at < dashdash) {
      process.stdout.write(formatHelp(spec));
      process.exit(0);
    }
  }
  if (args[0] === "--version" || (args.includes("--version") && !args.includes("--"))) {
    process.stdout.write(`${spec.version}\n`);
    process.exit(0);
  }
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([k, o]) => [
      k,
      {
        type: o.type,
        ...(o.short ? { short: o.short } : {}),
        ...(o.multiple ? { multiple: true } : {}),
        ...(o.default !== undefined ? { default: o.default } : {}),
      },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({
      args,
      options: options as never,
      allowPositionals: spec.positionals ?? false,
      strict: true,
    });
    return { values: values as ParsedCli["values"], positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, "."));
  }
}

/** A flag's value as a whole number in [min, max], or a UsageError naming the flag. */
export function intFlag(
  values: ParsedCli["values"],
  name: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** `value` as a ws:// or wss:// URL, or a UsageError naming the flag (with an example of a good one). */
export function wsUrlFlag(value: string, flag = "--url", example = "ws://127.0.0.1:8080"): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // not a URL at all
  }
  if (!url || (url.protocol !== "ws:" && url.protocol !== "wss:")) {
    throw new UsageError(`${flag} must be a ws:// or wss:// URL (e.g. ${example}), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A client's connection problem in words (the `ws` library's messages are terse). */
export function describeConnectionError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/ECONNREFUSED/.test(message)) return "connection refused (is the server running, on that port?)";
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return "host not found";
  if (/EHOSTUNREACH|ENETUNREACH/.test(message)) return "host unreachable";
  if (/ECONNRESET/.test(message)) return "connection reset";
  const status = /Unexpected server response: (\d+)/.exec(message);
  if (status) {
    const why = status[1] === "403" ? " (this origin or host name is not allowed)" : "";
    return `the server refused the WebSocket upgrade with HTTP ${status[1]}${why}`;
  }
  return message;
}

/** The one line a user sees for an error: known system errors in words, never a stack trace. */
export function describeCliError(err: unknown, spec?: Pick<CliSpec, "name">): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === "EADDRINUSE") {
    const where = e.port !== undefined ? `port ${e.port}${e.address ? ` on ${e.address}` : ""}` : "the port";
    return `${where} is already in use: stop what is using it, or pick another port (--port 0 picks a free one)`;
  }
  if (e?.code === "EADDRNOTAVAIL")
    return `cannot listen on ${e.address ?? "that address"}: it is not an address of this machine`;
  if (e?.code === "EACCES" && e.syscall === "listen")
    return `not allowed to listen on port ${e.port ?? "?"} (ports below 1024 need root)`;
  if (e?.code === "ECONNREFUSED")
    return `cannot connect to ${e.address ?? "the server"}${e.port ? `:${e.port}` : ""}: connection refused (is it running?)`;
  const message = e instanceof Error ? e.message : String(err);
  return spec ? message.replace(new RegExp(`^${spec.name}: `), "") : message;
}

/**
 * Runs a command's main function with the shared exit behaviour: UsageError → message + usage on
 * stderr, exit 2; any other error → `name: one line` on stderr, exit 1 (the stack with DEBUG set).
 */
export async function runCli(spec: CliSpec, main: () => unknown | Promise<unknown>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${spec.name}: ${err.message}\n\n${formatHelp(spec)}`);
      process.exit(2);
    }
    process.stderr.write(`${spec.name}: ${describeCliError(err, spec)}\n`);
    if (process.env.DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(err instanceof CliError ? err.exitCode : 1);
  }
}
