import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "@proj/ws-core/testing";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
const NODE_ARGS = ["--conditions", "@proj/source", "--import", "tsx", "src/cli/chrome-bridge.ts"];

export interface RunningCli {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line matching `re`. */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it does not exit within 5 s. */
  stop(): Promise<number | null>;
}

/** Spawns a long-running CLI (serve, executor) from source. */
export function startCli(args: string[]): RunningCli {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: PACKAGE_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect = (into: string[]) => {
    let partial = "";
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop() ?? "";
      into.push(...parts);
    };
  };
  child.stdout?.on("data", collect(stdout));
  child.stderr?.on("data", collect(stderr));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    stdout,
    stderr,
    exited,
    line: (re, timeoutMs = 30_000) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${stderr.join("\n")}`);
          for (const l of stdout) {
            const m = re.exec(l);
            if (m) return m;
          }
          return undefined;
        },
        { timeoutMs, intervalMs: 20, message: `no stdout line ${re}` },
      ),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs a one-shot CLI command to completion. */
export async function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args);
  const code = await cli.exited;
  return { code, stdout: cli.stdout.join("\n"), stderr: cli.stderr.join("\n") };
}
