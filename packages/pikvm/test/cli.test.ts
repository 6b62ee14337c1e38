import { fileURLToPath } from "node:url";
import { disposeLeftovers, spawnScript } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { AUTH } from "./helpers.js";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

/** Runs a CLI to completion. */
async function run(script: string, args: string[], env: Record<string, string> = {}) {
  const p = spawnScript(script, args, { cwd: pkgDir, env: { ...process.env, ...env } });
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** Starts pikvm-emulator and resolves with its URL once it printed the listening line (its only output). */
async function startEmulatorCli(extra: string[] = []) {
  const emu = spawnScript(
    "src/cli/pikvm-emulator.ts",
    ["--port", "0", "--user", "admin", "--passwd", "secret", ...extra],
    { cwd: pkgDir },
  );
  const [, url] = await emu.line(/^listening on (https?:\/\/127\.0\.0\.1:\d+)$/, 15_000);
  if (emu.stdout() !== `listening on ${url}\n`) throw new Error(`unexpected output: ${emu.stdout()}`);
  return { child: emu.child, url: url as string, exited: emu.exited };
}

const headers = { ...AUTH, "X-KVMD-Passwd": "secret" };

describe("CLIs", () => {
  test("pikvm-emulator + pikvm type/key/click/events, then a graceful SIGTERM", async () => {
    const emu = await startEmulatorCli();
    const cli = (...args: string[]) => run("src/cli/pikvm.ts", ["--url", emu.url, "--passwd", "secret", ...args]);
    const typed = await cli("type", "Hello CLI");
    expect(typed).toMatchObject({ code: 0 });
    const key = await cli("key", "ShiftLeft+Digit1");
    expect(key.code).toBe(0);
    const ocr = await fetch(`${emu.url}/api/streamer/snapshot?ocr=1`, { headers });
    expect(await ocr.text()).toBe("PiKVM emulator virtual console\nHello CLI!\n");
    expect((await cli("click", "--at", "1919,0", "--screen", "1920x1080", "--binary")).code).toBe(0);
    const events = await cli("events", "--count", "3");
    expect(events.code).toBe(0);
    const lines = events.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.event_type)).toEqual(["loop", "gpio", "hid"]);
    const bad = await run("src/cli/pikvm.ts", ["--url", emu.url, "--passwd", "wrong", "type", "x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/AuthError: .*403/);
    const unknown = await cli("key", "NoSuchKey");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/InvalidInputError: unknown key/);
    emu.child.kill("SIGTERM");
    expect(await emu.exited).toBe(0);
  });

  test("--tls serves a self-signed certificate; the client accepts it by default", async () => {
    const emu = await startEmulatorCli(["--tls"]);
    expect(emu.url).toMatch(/^https:/);
    const r = await run("src/cli/pikvm.ts", ["--url", emu.url, "--passwd", "secret", "type", "tls"]);
    expect(r.code).toBe(0);
    const strict = await run("src/cli/pikvm.ts", ["--url", emu.url, "--passwd", "secret", "--verify-ssl", "type", "x"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/ConnectError/);
    emu.child.kill("SIGINT");
    expect(await emu.exited).toBe(0);
  });

  test("the seed example runs against the emulator CLI", async () => {
    const emu = await startEmulatorCli();
    const r = await run("examples/type-hello.ts", [], { PIKVM_URL: emu.url, PIKVM_PASSWD: "secret" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/event_type: 'loop'/);
    const ocr = await fetch(`${emu.url}/api/streamer/snapshot?ocr=1`, { headers });
    expect(await ocr.text()).toContain("\nhello\n");
    emu.child.kill("SIGTERM");
    expect(await emu.exited).toBe(0);
  });

  test("bad arguments exit 2 with usage", async () => {
    const r = await run("src/cli/pikvm-emulator.ts", ["--port", "99999"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: pikvm-emulator/);
  });
});
