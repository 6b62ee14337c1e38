// Shared by the example servers: their command line and how they are stopped.
import { intFlag, parseCli, runCli } from "@proj/ws-core/cli";
import pkg from "../package.json" with { type: "json" };

/**
 * Calls `stop` on SIGINT, SIGTERM or SIGHUP, and in a terminal on Ctrl-C or q read as keys: under
 * `pnpm run`, a Ctrl-C signal reaches pnpm too, which then reports the script as failed however cleanly
 * it ends. Returns a function that gives the terminal back (so the process can exit).
 */
export function onStop(stop: () => void): () => void {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  for (const s of signals) process.once(s, stop);
  const keys = (data: Buffer) => {
    if (data.includes(0x03) || data.includes(0x71)) stop();
  };
  const tty = process.stdin.isTTY === true;
  if (tty) {
    process.stdin.setRawMode(true);
    process.stdin.on("data", keys);
  }
  return () => {
    for (const s of signals) process.off(s, stop);
    if (!tty) return;
    process.stdin.off("data", keys);
    process.stdin.setRawMode(false);
    process.stdin.pause();
  };
}

/** What to tell the user about stopping. */
export const stopHint = process.stdin.isTTY ? " (Ctrl-C or q stops it)" : "";

/**
 * The command line both example servers share: `--port N` (default 0, a free port) and `--help`/`--version`;
 * runs `main(port)` under ws-core's CLI error handling.
 */
export function runServerExample(name: string, summary: string, main: (port: number) => Promise<void>): Promise<void> {
  const spec = {
    name,
    version: pkg.version,
    summary,
    usage: ["[--port N]"],
    options: {
      port: {
        type: "string",
        short: "p",
        valueName: "N",
        default: "0",
        description: "port to listen on (0: a free one)",
      },
    },
  } as const;
  return runCli(spec, async () => {
    const { values } = parseCli(spec);
    await main(intFlag(values, "port", { max: 65535 }) ?? 0);
  });
}
