import type { CliOption, ParsedCli } from "@proj/ws-core/cli";
import { describeCliError, UsageError } from "@proj/ws-core/cli";

/** A subcommand: its --help text comes from `options`; `run` resolves with the exit code (undefined: keeps running). */
export interface Subcommand {
  summary: string;
  usage: readonly string[];
  options: Readonly<Record<string, CliOption>>;
  positionals?: boolean;
  examples?: readonly string[];
  run(parsed: ParsedCli): Promise<number | undefined>;
}

export const tokenOption: CliOption = {
  type: "string",
  valueName: "TOKEN",
  description: "the server's token ($CHROME_BRIDGE_TOKEN)",
};

/** A comma-separated flag value as a list. */
export function list(v: string | undefined): string[] {
  return v
    ? v
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
    : [];
}

/** A flag's value as a number above 0 (seconds), or a UsageError naming the flag. */
export function secondsFlag(values: ParsedCli["values"], name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a number of seconds above 0, got ${JSON.stringify(raw)}`);
  return n;
}

export function stringValue(values: ParsedCli["values"], name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** Runs `onStop` once on SIGINT/SIGTERM, then exits 0 (1 with one line if stopping failed). */
export function onShutdownSignal(onStop: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    onStop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`chrome-bridge: ${describeCliError(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
