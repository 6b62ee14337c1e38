import { fileURLToPath } from "node:url";
import { type ScriptProcess, spawnScript } from "@proj/ws-core/testing";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export type RunningCli = ScriptProcess;

/** Spawns a long-running CLI (serve, executor) from source. */
export function startCli(args: string[]): RunningCli {
  return spawnScript("src/cli/chrome-bridge.ts", args, { cwd: PACKAGE_DIR });
}

/** Runs a one-shot CLI command to completion. */
export async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}
