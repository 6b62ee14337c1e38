import { type ParseArgsConfig, parseArgs } from "node:util";

/** Parses the command line (plus `--help`/`-h`): prints `usage` and exits 0 on help, 2 on a bad flag. */
export function parseCli(
  options: NonNullable<ParseArgsConfig["options"]>,
  usage: string,
): Record<string, string | boolean | string[] | undefined> {
  let values: Record<string, string | boolean | string[] | undefined> = {};
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: "boolean", short: "h" } } }) as {
      values: Record<string, string | boolean | string[] | undefined>;
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return values;
}

/** Parses a whole-number flag, or exits with a usage error. */
export function intFlag(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}`);
  return n;
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
