import { fileURLToPath } from "node:url";
import { disposeLeftovers, spawnScript } from "@proj/ws-core/testing";
import { afterEach, expect, test } from "vitest";

afterEach(disposeLeftovers);

const pkg = fileURLToPath(new URL("..", import.meta.url));

function run(cli: string, args: string[]) {
  return spawnScript(`src/cli/${cli}.ts`, args, { cwd: pkg });
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
  const [, url] = await server.line(/^listening on (ws:\/\/127\.0\.0\.1:\d+)$/);
  expect(server.stdout().split("\n")[0]).toMatch(/^listening on ws:\/\/127\.0\.0\.1:\d+$/);
  const client = run("cardsharp-client", ["--url", url as string, "--hands", "3", "--strategy", "random"]);
  expect(await client.exited).toBe(0);
  const out = client.stdout();
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
  expect(bad.stderr()).toMatch(/--port must be an integer/);
  const badClient = run("cardsharp-client", ["--strategy", "psychic"]);
  expect(await badClient.exited).toBe(2);
});
