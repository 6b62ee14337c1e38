import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TimeoutError } from "../errors.js";
import { trackLeftover } from "./leftovers.js";

export interface RedisOptions {
  /** The redis-server binary. Default $REDIS_SERVER or /usr/bin/redis-server (Debian's `redis-server` package). */
  binary?: string;
  /** How long to wait for "Ready to accept connections". Default 20 s. */
  timeoutMs?: number;
}

export interface TestRedis {
  port: number;
  /** redis://127.0.0.1:PORT */
  url: string;
  /** Stops the server (SIGTERM, then SIGKILL). Everything in it is gone: it keeps nothing on disk. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function redisServerPath(binary?: string): string {
  return binary ?? process.env.REDIS_SERVER ?? "/usr/bin/redis-server";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function launch(bin: string, port: number, dir: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(
    bin,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--protected-mode",
      "yes",
      "--loglevel",
      "notice",
      "--logfile",
      "",
    ],
    { stdio: ["ignore", "pipe", "pipe"], cwd: dir },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new TimeoutError(`redis-server on port ${port} not ready within ${timeoutMs} ms:\n${out}`, timeoutMs));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${out}`));
    });
  });
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * A real redis-server for tests: on a free 127.0.0.1 port, in its own temporary directory, with no
 * persistence (`--save '' --appendonly no`). Stopped and its directory removed by `close()` or by
 * `disposeLeftovers()`.
 */
export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const bin = redisServerPath(options.binary);
  if (!existsSync(bin)) {
    throw new Error(`${bin} is missing: install Debian's redis-server (apt-get install -y redis-server)`);
  }
  const timeoutMs = options.timeoutMs ?? 20_000;
  const dir = await mkdtemp(join(tmpdir(), "test-redis-"));
  let port = 0;
  let child: ChildProcess | undefined;
  // A port found free can be taken before redis binds it: try a few.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      child = await launch(bin, port, dir, timeoutMs);
      break;
    } catch (err) {
      if (attempt >= 4) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const close = async () => {
    untrack();
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  const untrack = trackLeftover(close);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopChild(child),
    restart: async () => {
      await stopChild(child);
      child = await launch(bin, port, dir, timeoutMs);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
