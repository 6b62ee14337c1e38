// The examples behave like every command of these packages: --help, --version, usage errors (exit 2),
// one-line failures (exit 1) for a port in use and a server that cannot be reached, pnpm's leading `--`.
// Spawned side by side: a tsx start takes seconds on a loaded machine.
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { disposeLeftovers, spawnScript, trackLeftover } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { VERSION } from "../src/version.js";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

async function run(file: string, args: string[]) {
  const p = spawnScript(`examples/${file}`, args, { cwd: pkgDir, env: { ...process.env, VUER_CLIENT_URI: "" } });
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** A port held by another listener for the test's duration. */
async function takenPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  trackLeftover(() => new Promise<void>((r) => s.close(() => r())));
  return (s.address() as { port: number }).port;
}

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("examples as commands", () => {
  test("help, version, usage errors, a port in use, a server that cannot be reached", async () => {
    const busy = await takenPort();
    const nobody = `ws://127.0.0.1:${await closedPort()}`;
    const [help, version, badUri, badPort, inUse, refused] = await Promise.all([
      run("server.ts", ["--", "--help"]), // pnpm passes a leading -- through
      run("remote-control-client.ts", ["--", "--version"]),
      run("client.ts", ["--uri", "foo"]),
      run("remote-control-server.ts", ["--port", "nope"]),
      run("server.ts", ["--port", String(busy)]),
      run("client.ts", ["--uri", nobody, "--retries", "1"]),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^example:server \S+: /);
    for (const flag of ["host", "port", "allow-origin"])
      expect(help.stdout).toMatch(new RegExp(`--${flag} \\S+\\s{2,}\\w`));
    expect(version).toMatchObject({ code: 0, stdout: `${VERSION}\n` });

    expect(badUri.code).toBe(2);
    expect(badUri.stderr).toMatch(/^example:client: --uri must be a ws:\/\/ or wss:\/\/ URL .*got "foo"\n/);
    expect(badUri.stderr).toContain("Usage:");
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/^example:remote-control-server: --port must be a whole number from 0 to 65535/);

    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toBe(
      `example:server: port ${busy} on 127.0.0.1 is already in use: stop what is using it, or pick another port (--port 0 picks a free one)\n`,
    );

    expect(refused.code).toBe(1);
    const lines = refused.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`connecting to ${nobody} ...`);
    expect(lines[1]).toMatch(/^cannot connect: connection refused .*; retrying \(1 of 1\)$/);
    expect(lines.at(-1)).toBe(
      `example:client: cannot connect to ${nobody}: connection refused (is the server running, on that port?) (gave up after 2 attempts)`,
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 120_000);
});
