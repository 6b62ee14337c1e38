import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LaunchOptions {
  /** Default: $CHROMIUM_PATH, then /usr/bin/chromium. */
  executablePath?: string;
  /** Default true (new headless). */
  headless?: boolean;
  /** Load an unpacked extension (adds --load-extension and --disable-extensions-except). */
  extensionDir?: string;
  /** Default 1280x800. */
  windowSize?: { width: number; height: number };
  /** Extra command-line flags. */
  args?: string[];
  /** First page to open. Default about:blank. */
  url?: string;
  /** Give up waiting for the DevTools endpoint after this long. Default 30000 ms. */
  timeoutMs?: number;
}

export interface LaunchedBrowser {
  /** ws://127.0.0.1:PORT/devtools/browser/ID */
  wsEndpoint: string;
  process: ChildProcess;
  userDataDir: string;
  /** Kills the browser's whole process group and removes the profile. */
  close(): Promise<void>;
}

export const HEADLESS_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export function defaultChromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
}

/**
 * Starts Chromium with a fresh profile and `--remote-debugging-port=0`, and resolves once the
 * "DevTools listening on ws://..." line appears on stderr. Runs in its own process group so
 * `close()` takes down every helper process too.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const executable = options.executablePath ?? defaultChromiumPath();
  if (!existsSync(executable)) throw new Error(`Chromium not found at ${executable} (set --chromium or CHROMIUM_PATH)`);
  const userDataDir = await mkdtemp(join(tmpdir(), "chrome-bridge-profile-"));
  const size = options.windowSize ?? { width: 1280, height: 800 };
  const args = [
    ...(options.headless === false ? [] : ["--headless"]),
    ...HEADLESS_FLAGS,
    `--user-data-dir=${userDataDir}`,
    "--remote-debugging-port=0",
    "--remote-debugging-address=127.0.0.1",
    `--window-size=${size.width},${size.height}`,
    ...(options.extensionDir
      ? [`--disable-extensions-except=${options.extensionDir}`, `--load-extension=${options.extensionDir}`]
      : []),
    ...(options.args ?? []),
    options.url ?? "about:blank",
  ];
  const child = spawn(executable, args, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => {
    exited = true;
  });
  const close = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      await exit;
    }
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    const wsEndpoint = await new Promise<string>((resolve, reject) => {
      let buf = "";
      const timer = setTimeout(
        () => reject(new Error("Chromium did not print its DevTools endpoint in time")),
        options.timeoutMs ?? 30_000,
      );
      child.stderr?.on("data", (chunk: Buffer) => {
        buf += chunk.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(buf);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
        if (buf.length > 65536) buf = buf.slice(-4096);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`Chromium exited with code ${code} before it was ready: ${buf.slice(-500)}`));
      });
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    child.stderr?.resume();
    return { wsEndpoint, process: child, userDataDir, close };
  } catch (err) {
    await close();
    throw err;
  }
}
