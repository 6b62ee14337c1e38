import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { listen } from "../src/server/index.js";
import { disposeLeftovers, trackLeftover } from "../src/testing/index.js";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));

/** Runs the demo command once; resolves with its exit code and output. */
function demo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, ["test/fixtures/cli-demo.ts", ...args], { cwd: pkgDir }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// Each test starts tsx processes (a few seconds each on a loaded machine).
describe("ws-core/cli: every command behaves alike", { timeout: 90_000 }, () => {
  test("-h and --help print usage with every flag and exit 0; --version prints the version", async () => {
    const [h, help, version] = await Promise.all([demo("-h"), demo("--help"), demo("--version")]);
    expect(h.code).toBe(0);
    expect(h.stdout).toBe(help.stdout);
    expect(h.stdout).toContain("demo 1.2.3: a demo server");
    expect(h.stdout).toMatch(/-p, --port N\s+port to listen on \(default: 0\)/);
    expect(h.stdout).toMatch(/--name VALUE\s+who to greet \(repeatable\)/);
    expect(h.stdout).toMatch(/--version\s+print the version and exit/);
    expect(h.stdout).toContain("Examples:\n  demo --port 0");
    expect(version).toMatchObject({ code: 0, stdout: "1.2.3\n" });
  });

  test("a usage error prints the message and the usage on stderr and exits 2", async () => {
    const [unknown, bad, positional] = await Promise.all([demo("--bogus"), demo("--port", "x"), demo("extra")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^demo: Unknown option '--bogus'/);
    expect(unknown.stderr).toContain("Usage:");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^demo: --port must be a whole number from 0 to 65535, got "x"/);
    expect(positional.code).toBe(2);
  });

  test("a runtime failure is one line on stderr and exit 1; a busy port says which and what to do", async () => {
    const failed = await demo("--fail");
    expect(failed).toMatchObject({ code: 1, stderr: "demo: it went wrong\n" });
    const busy = await listen(createServer());
    trackLeftover(() => new Promise<void>((r) => busy.server.close(() => r())));
    const r = await demo("--port", String(busy.port));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `demo: port ${busy.port} on 127.0.0.1 is already in use: stop what is using it, or pick another port (--port 0 picks a free one)\n`,
    );
  });

  test("a leading -- (pnpm passes it through) is ignored", async () => {
    const r = await demo("--", "--port", "0");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+/);
  });
});
