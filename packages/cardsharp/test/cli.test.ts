// The commands and the examples as a user runs them: spawned from source (a tsx start takes seconds on a
// loaded machine, so independent spawns run side by side and each test has a generous budget).
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { disposeLeftovers, spawnScript } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

function run(file: string, args: string[]) {
  return spawnScript(file, args, { cwd: pkgDir });
}
const server = (args: string[]) => run("src/cli/cardsharp-server.ts", args);
const client = (args: string[]) => run("src/cli/cardsharp-client.ts", args);

/** Runs to the end; resolves with the exit code and the output. */
async function result(p: ReturnType<typeof run>) {
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("cardsharp-server and cardsharp-client", { timeout: 120_000 }, () => {
  test("the server runs a real table, the client plays N hands and exits 0; a second server on the port fails in one line", async () => {
    const table = server([
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
    const [, url, port] = (await table.line(/^listening on (ws:\/\/127\.0\.0\.1:(\d+))$/, 60_000)) as string[];
    expect(table.stdout().split("\n")[0]).toMatch(/^listening on ws:\/\/127\.0\.0\.1:\d+$/);
    const [played, busy] = await Promise.all([
      result(client(["--url", url as string, "--hands", "3", "--strategy", "random"])),
      result(server(["--port", port as string])),
    ]);
    expect(played.code).toBe(0);
    expect(played.stderr).toBe(`connecting to ${url} ...\n`);
    const out = played.stdout;
    expect(out).toMatch(/^connected as /m);
    expect(out).toMatch(/^table: 2 decks, H17, blackjack pays 1\.5$/m);
    expect(out).toMatch(/Dealer gets a hole card/);
    expect(out).toMatch(/Dealer reveals/);
    expect(out.match(/^--- ROUND \d+ ---$/gm)?.length).toBeGreaterThanOrEqual(3);
    expect(out).toMatch(/^Your balance: /m);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe(
      `cardsharp-server: port ${port} on 127.0.0.1 is already in use: stop what is using it, or pick another port (--port 0 picks a free one)\n`,
    );
    expect(await table.stop()).toBe(0);
  });

  test("without bots (the default pair): the server deals to the client, which plays its hands and exits 0", async () => {
    const table = server(["--port", "0", "--seed", "3", "--pause-ms", "5"]);
    const [, url] = (await table.line(/^listening on (ws:\/\/127\.0\.0\.1:\d+)$/, 60_000)) as string[];
    const played = await result(client(["--url", url as string, "--hands", "2"]));
    expect(played.code).toBe(0);
    expect(played.stdout).toMatch(/^connected as /m);
    expect(played.stdout.match(/^--- ROUND \d+ ---$/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(await table.stop()).toBe(0);
  });

  test("--help, --version, usage errors (exit 2), and a client that cannot connect says so and exits 1", async () => {
    const nobody = `ws://127.0.0.1:${await closedPort()}`;
    const [help, ver, badPort, badUrl, badStrategy, refused] = await Promise.all([
      result(server(["--help"])),
      result(client(["--", "--version"])), // pnpm passes a leading -- through
      result(server(["--port", "nope"])),
      result(client(["--url", "foo"])),
      result(client(["--strategy", "psychic"])),
      result(client(["--url", nobody, "--retries", "1"])),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^cardsharp-server \S+: runs a blackjack table/);
    for (const flag of [
      "host",
      "port",
      "seed",
      "bots",
      "decks",
      "h17",
      "min-bet",
      "max-bet",
      "pause-ms",
      "bet-deadline-ms",
      "allow-origin",
    ]) {
      expect(help.stdout).toMatch(new RegExp(`--${flag}( \\S+)?\\s{2,}\\w`)); // every flag has a description
    }
    expect(ver).toMatchObject({ code: 0, stdout: `${version}\n` });

    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/^cardsharp-server: --port must be a whole number from 0 to 65535, got "nope"\n/);
    expect(badPort.stderr).toContain("Usage:");
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/^cardsharp-client: --url must be a ws:\/\/ or wss:\/\/ URL .*got "foo"\n/);
    expect(badStrategy.code).toBe(2);
    expect(badStrategy.stderr).toMatch(/^cardsharp-client: --strategy must be basic or random/);

    expect(refused.code).toBe(1);
    const lines = refused.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`connecting to ${nobody} ...`);
    expect(lines[1]).toMatch(/^cannot connect: connection refused .*; retrying \(1 of 1\)$/);
    expect(lines.at(-1)).toBe(
      `cardsharp-client: cannot connect to ${nobody}: connection refused (is the server running, on that port?) (gave up after 2 attempts)`,
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe("examples (as `pnpm --filter @proj/cardsharp example:* -- ARGS` runs them)", { timeout: 120_000 }, () => {
  test("example:server and example:client play over WebSocket; example:adapter plays 5 rounds in process", async () => {
    const adapter = result(run("examples/web-adapter.ts", ["--"]));
    const table = run("examples/websocket-server.ts", ["--", "--port", "0", "--bots", "1"]);
    const [, url] = (await table.line(/^listening on (ws:\/\/127\.0\.0\.1:\d+)$/, 60_000)) as string[];
    const player = run("examples/websocket-client.ts", ["--", "--url", url as string]);
    await player.line(/^Connected to server with client ID: \S+$/, 60_000);
    await player.line(/^HAND_RESULT /, 60_000); // stdin is not a terminal: it plays basic strategy
    expect(await player.stop()).toBe(0);
    expect(await table.stop()).toBe(0);
    const done = await adapter;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^balances: \{"bot-1":/m);
  });
});
