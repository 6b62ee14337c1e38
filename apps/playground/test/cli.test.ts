// The demo launcher behaves like every other CLI here: help, usage errors, a busy port in one line.
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { listen } from "@proj/ws-core/server";
import { describe, expect, test } from "vitest";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));

function launcher(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ["--conditions", "@proj/source", "server/main.ts", ...args],
      { cwd: appDir, env: { ...process.env, PORT: "" } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("the playground launcher", { timeout: 120_000 }, () => {
  test("--help and --version exit 0; a usage error exits 2 with the usage; a busy port is one line with the way out", async () => {
    const busy = await listen(createServer());
    try {
      const [help, version, bogus, badPort, taken] = await Promise.all([
        launcher("--help"),
        launcher("--version"),
        launcher("--bogus"),
        launcher("--port", "http"),
        launcher("--port", String(busy.port)),
      ]);
      expect(help.code).toBe(0);
      for (const flag of ["--port N", "--host ADDRESS", "--allow-origin ORIGIN", "--build", "--help", "--version"])
        expect(help.stdout).toContain(flag);
      expect(version).toMatchObject({ code: 0, stdout: "0.0.0\n" });
      expect(bogus.code).toBe(2);
      expect(bogus.stderr).toMatch(/^playground: Unknown option '--bogus'[\s\S]*Usage:/);
      expect(badPort.code).toBe(2);
      expect(taken.code).toBe(1);
      expect(taken.stderr.trim().split("\n").at(-1)).toBe(
        `playground: port ${busy.port} is already in use: pick another with PORT=0 pnpm demo (any free port) or --port N`,
      );
      expect(taken.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      busy.server.close();
    }
  });
});
