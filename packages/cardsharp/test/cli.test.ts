import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { disposeLeftovers, trackLeftover } from "@proj/ws-core/testing";
import { afterEach, expect, test } from "vitest";

afterEach(disposeLeftovers);

const pkg = fileURLToPath(new URL("..", import.meta.url));

function run(cli: string, args: string[]) {
  const child = spawn(
    process.execPath,
    ["--conditions", "@proj/source", "--import", "tsx", `src/cli/${cli}.ts`, ...args],
    {
      cwd: pkg,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  trackLeftover(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
    return exited;
  });
  const line = (re: RegExp, timeoutMs = 15_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = stdout.match(re);
        if (m) {
          done();
          resolve(m);
        }
      };
      const onExit = () => {
        done();
        reject(new Error(`exited before ${re}: ${stdout}\n${stderr}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${re}: ${stdout}\n${stderr}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        child.stdout.off("data", check);
        child.off("exit", onExit);
      };
      child.stdout.on("data", check);
      child.on("exit", onExit);
      check();
    });
  return { child: child as ChildProcess, exited, line, out: () => stdout, err: () => stderr };
}

test("cardsharp-server runs a real table; cardsharp-client plays N hands against it and exits", async () => {
  const server = run("cardsharp-server", [
    "--host",
    "localhost",
    "--h17",
    "--port",
    "0",
    "--seed",
    "7",
    "--bots",
    "2",
    "--decks",
    "2",
    "--pause-ms",
    "5",
  ]);
  const [, url] = await server.line(/^listening on (ws:\/\/127\.0\.0\.1:\d+)\n/m);
  expect(server.out().split("\n")[0]).toMatch(/^listening on ws:\/\/127\.0\.0\.1:\d+$/);
  const client = run("cardsharp-client", ["--url", url as string, "--hands", "3", "--strategy", "random"]);
  expect(await client.exited).toBe(0);
  const out = client.out();
  expect(out).toMatch(/^connected as /m);
  expect(out).toMatch(/^table: 2 decks, H17, blackjack pays 1\.5$/m);
  expect(out).toMatch(/Dealer gets a hole card/);
  expect(out).toMatch(/Dealer reveals/);
  expect(out.match(/^--- ROUND \d+ ---$/gm)?.length).toBeGreaterThanOrEqual(3);
  expect(out).toMatch(/^Your balance: /m);
  server.child.kill("SIGTERM");
  expect(await server.exited).toBe(0);
});

test("bad flags exit 2 with usage", async () => {
  const bad = run("cardsharp-server", ["--port", "nope"]);
  expect(await bad.exited).toBe(2);
  expect(bad.err()).toMatch(/--port must be an integer/);
  const badClient = run("cardsharp-client", ["--strategy", "psychic"]);
  expect(await badClient.exited).toBe(2);
});
