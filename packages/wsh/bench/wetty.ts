// WeTTY (npm `wetty`, socket.io) as a peer in the bench: the same programs, measured the same way.
// WeTTY is not a dependency of the workspace (express, sass, socket.io, ...): the bench installs it once
// with npm into node_modules/.cache/wsh-bench-wetty (or uses WETTY_DIR, a folder with node_modules/wetty).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const WETTY_VERSION = "3.2.0";
const pkgDir = fileURLToPath(new URL("..", import.meta.url));

/** The folder whose node_modules holds wetty (installed on first use); throws with the reason if it cannot be. */
export function wettyDir(): string {
  const dir = process.env.WETTY_DIR ?? join(pkgDir, "node_modules/.cache/wsh-bench-wetty");
  if (existsSync(join(dir, "node_modules/wetty/build/main.js"))) return dir;
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`bench: installing wetty@${WETTY_VERSION} into ${dir} (once)\n`);
  execFileSync(
    "npm",
    ["install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "--loglevel=error", `wetty@${WETTY_VERSION}`],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

type Socket = {
  on(event: string, cb: (...args: any[]) => void): Socket;
  once(event: string, cb: (...args: any[]) => void): Socket;
  emit(event: string, ...args: unknown[]): Socket;
  disconnect(): void;
};

export interface Wetty {
  child: ChildProcess;
  /** A socket.io session: WeTTY spawns the command for it; data in `onData`, input with `send`. */
  connect(): Promise<{ send(s: string): void; onData(cb: (d: string) => void): void; close(): void }>;
  stop(): Promise<void>;
}

/** Starts `wetty --command` (as a root user on 127.0.0.1 WeTTY runs the command itself; else it would ssh). */
export async function startWetty(dir: string, command: string, children: Set<ChildProcess>): Promise<Wetty> {
  const port = await freePort();
  const main = join(dir, "node_modules/wetty/build/main.js");
  const child = spawn(process.execPath, [main, "--host", "127.0.0.1", "--port", String(port), "--command", command], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      children.delete(child);
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d;
      if (/Server started/.test(out)) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", () => reject(new Error(`wetty exited early: ${out}`)));
  });
  const require = createRequire(join(dir, "node_modules/wetty/package.json"));
  const { io } = (await import(pathToFileURL(require.resolve("socket.io-client")).href)) as {
    io: (url: string, o: object) => Socket;
  };
  return {
    child,
    async connect() {
      const socket = io(`http://127.0.0.1:${port}`, { transports: ["websocket"] });
      const listeners: Array<(d: string) => void> = [];
      socket.on("data", (d: string) => {
        for (const l of listeners) l(d);
        socket.emit("commit", d.length); // what its page does once xterm has drawn the data
      });
      await new Promise<void>((resolve, reject) => {
        socket.once("login", () => resolve());
        socket.once("connect_error", reject);
      });
      return {
        send: (s) => socket.emit("input", s),
        onData: (cb) => listeners.push(cb),
        close: () => socket.disconnect(),
      };
    },
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
