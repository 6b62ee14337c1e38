import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TimeoutError } from "../errors.js";
import { trackLeftover } from "./leftovers.js";

export interface ScriptOptions {
  /** The package directory the script's relative path is in. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export interface ScriptProcess {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Complete stdout lines so far. */
  lines(): string[];
  /** Resolves with the first complete stdout line matching `re`; rejects if the script exits first. */
  line(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Exit code (null when killed by a signal) and signal, once the output is fully read. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The exit code. */
  exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM), then SIGKILL after `killAfterMs`; resolves with the exit code. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>;
}

/** tsx's loader resolved from the package, so the child finds it whatever its cwd. */
function tsxLoader(cwd: string): string {
  try {
    return pathToFileURL(createRequire(join(cwd, "package.json")).resolve("tsx")).href;
  } catch {
    return "tsx";
  }
}

/**
 * Runs a TypeScript script (a CLI, an example) from source, as the package scripts do:
 * `node --conditions @proj/source --import tsx FILE ...args`. Output is collected; the process is killed
 * by `disposeLeftovers()` if the test does not stop it.
 */
export function spawnScript(file: string, args: string[], options: ScriptOptions): ScriptProcess {
  const child = spawn(
    process.execPath,
    ["--conditions", "@proj/source", "--import", tsxLoader(options.cwd), file, ...args],
    { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  // "close" comes after the output streams end, so once `exit` resolves everything printed has been read.
  let closed = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => {
      closed = true;
      resolve({ code, signal });
    }),
  );
  const exited = exit.then((e) => e.code);
  const running = () => child.exitCode === null && child.signalCode === null;

  trackLeftover(() => {
    if (running()) child.kill("SIGKILL");
    return exit;
  });
  const lines = () => out.split("\n").slice(0, -1);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    lines,
    line: (re, timeoutMs = 30_000) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          for (const l of lines()) {
            const m = re.exec(l);
            if (m) return resolve(m);
          }
          if (closed) {
            return reject(
              new Error(`${file} exited (${child.exitCode ?? child.signalCode}) without ${re}:\n${out}${err}`),
            );
          }
          if (Date.now() > deadline) {
            return reject(
              new TimeoutError(`${file}: no stdout line ${re} within ${timeoutMs} ms:\n${out}${err}`, timeoutMs),
            );
          }
          setTimeout(check, 10);
        };
        check();
      }),
    exit,
    exited,
    stop: async (signal = "SIGTERM", killAfterMs = 5000) => {
      if (!running()) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
