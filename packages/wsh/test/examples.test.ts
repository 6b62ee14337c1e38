// The examples as the README runs them (`pnpm --filter @proj/wsh example:* -- ARGS` passes the `--` on).
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { listen } from "@proj/ws-core/server";
import { disposeLeftovers, spawnScript } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { startShell } from "./helpers.js";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env, SHELL: "/bin/sh", PS1: "$ ", ENV: "" };
const example = (file: string, args: string[]) => spawnScript(`examples/${file}`, args, { cwd: pkgDir, env });

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const l = await listen(createServer());
  await new Promise<void>((r) => l.server.close(() => r()));
  return l.port;
}

// Each example is a tsx process (a few seconds to start on a loaded machine); they all run at once.
describe("examples", { timeout: 120_000 }, () => {
  test("client -- URL types into a server and prints its screen; a client that cannot connect says so and exits 1; the servers take -- --port", async () => {
    const server = await startShell();
    const port = await closedPort();
    const [client, refused, standalone, shared] = await Promise.all([
      (async () => {
        const c = example("client.ts", ["--", server.url]);
        return { code: (await c.exit).code, stdout: c.stdout(), stderr: c.stderr() };
      })(),
      (async () => {
        const c = example("client.ts", ["--", `http://127.0.0.1:${port}`]);
        return { code: (await c.exit).code, stdout: c.stdout(), stderr: c.stderr() };
      })(),
      ...(["server.ts", "shared-server.ts"] as const).map(async (file) => {
        const s = example(file, ["--", "--port", "0"]);
        const [, url] = await s.line(/^listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
        const health = await fetch(`${url}${file === "shared-server.ts" ? "/wsh" : ""}/health`);
        s.child.kill("SIGINT");
        return { status: health.status, code: (await s.exit).code };
      }),
    ]);

    expect(client.stderr).toBe("");
    expect(client.stdout).toContain(`connecting to ${server.url} ...\n`);
    expect(client.stdout).toMatch(/^hello from the example$/m);
    expect(client.code).toBe(0);

    expect(refused.stdout).toBe(`connecting to http://127.0.0.1:${port} ...\n`);
    expect(refused.stderr).toBe(
      `wsh-example-client: cannot connect to http://127.0.0.1:${port} (connection refused): is a wsh server running there? (pnpm --filter @proj/wsh example:server starts one)\n`,
    );
    expect(refused.code).toBe(1);

    expect(standalone).toEqual({ status: 200, code: 0 });
    expect(shared).toEqual({ status: 200, code: 0 });
  });
});
