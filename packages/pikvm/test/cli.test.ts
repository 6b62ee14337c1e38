import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { listen } from "@proj/ws-core/server";
import { disposeLeftovers, type ScriptProcess, spawnScript } from "@proj/ws-core/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import pkg from "../package.json" with { type: "json" };
import { PiKVM } from "../src/node/index.js";

// Every CLI process is a tsx start (2-6 s on a loaded machine): two emulators serve the whole file, and
// independent runs go out together. Budgets are sized for that; nothing here waits on time.
const TIMEOUT = 120_000;

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

/** Runs a CLI to completion. */
async function run(script: string, args: string[], env: Record<string, string> = {}) {
  const p = spawnScript(script, args, { cwd: pkgDir, env: { ...process.env, ...env } });
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
const pikvm = (...args: string[]) => run("src/cli/pikvm.ts", args);
const emulatorCli = (...args: string[]) => run("src/cli/pikvm-emulator.ts", args);

interface RunningEmulator {
  proc: ScriptProcess;
  url: string;
  port: number;
}

/** Starts pikvm-emulator and resolves with its URL once it printed the listening line (its only output). */
async function startEmulatorCli(extra: string[] = []): Promise<RunningEmulator> {
  const proc = spawnScript(
    "src/cli/pikvm-emulator.ts",
    ["--port", "0", "--user", "admin", "--passwd", "secret", ...extra],
    { cwd: pkgDir },
  );
  const [, url, port] = await proc.line(/^listening on (https?:\/\/127\.0\.0\.1:(\d+))$/, 90_000);
  if (proc.stdout() !== `listening on ${url}\n`) throw new Error(`unexpected output: ${proc.stdout()}`);
  return { proc, url: url as string, port: Number(port) };
}

/** The virtual console's text (the client skips TLS verification by default, as for a device). */
async function ocr(emu: RunningEmulator): Promise<string> {
  await using kvm = new PiKVM(emu.url, { user: "admin", passwd: "secret" });
  return kvm.streamer.ocrText();
}

let plain: RunningEmulator;
let tls: RunningEmulator;

beforeAll(async () => {
  [plain, tls] = await Promise.all([startEmulatorCli(), startEmulatorCli(["--tls"])]);
}, TIMEOUT);

afterAll(disposeLeftovers);

describe("CLIs", { timeout: TIMEOUT }, () => {
  test("help, --version, usage errors (exit 2), a busy port and a refused connection (exit 1)", async () => {
    // A port that refuses connections: one that was just free (port 1 may be in use on a shared machine).
    const closed = await listen(createNetServer());
    await new Promise((r) => closed.server.close(r));
    const [help, emuHelp, version, emuVersion, bogus, badPort, noCommand, busy, refused] = await Promise.all([
      pikvm("-h"),
      emulatorCli("--help"),
      pikvm("--version"),
      emulatorCli("--", "--version"), // pnpm run x -- ARGS passes the "--" on
      pikvm("--bogus", "type", "x"),
      emulatorCli("--port", "99999"),
      pikvm("--url", plain.url),
      emulatorCli("--port", String(plain.port)),
      pikvm("--url", `http://127.0.0.1:${closed.port}`, "--timeout", "5", "type", "x"),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`pikvm ${pkg.version}: `);
    for (const flag of ["--url URL", "--passwd PASSWD", "--verify-ssl", "--binary", "--timeout SECONDS", "--count N"])
      expect(help.stdout).toContain(flag);
    expect(emuHelp.code).toBe(0);
    for (const flag of ["--port PORT", "--tls-cert FILE", "--static-dir DIR", "--allow-origin", "--heartbeat-ms MS"])
      expect(emuHelp.stdout).toContain(flag);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    expect(emuVersion).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^pikvm: Unknown option '--bogus'[\s\S]*Usage:/);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/^pikvm-emulator: --port must be a whole number from 0 to 65535, got "99999"/);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/^pikvm: name a command: events, type, key, click/);
    expect(busy).toMatchObject({
      code: 1,
      stderr: `pikvm-emulator: port ${plain.port} on 127.0.0.1 is already in use: stop what is using it, or pick another port (--port 0 picks a free one)\n`,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`^pikvm: ConnectError: cannot connect to http://127\\.0\\.0\\.1:${closed.port}: .*ECONNREFUSED.*\n$`),
    );
  });

  test("pikvm type/key/click/events against the emulator; refused credentials and keys exit 1", async () => {
    const cli = (...args: string[]) => pikvm("--url", plain.url, "--passwd", "secret", ...args);
    expect(await cli("type", "Hello CLI")).toMatchObject({ code: 0, stderr: "" });
    expect((await cli("key", "ShiftLeft+Digit1")).code).toBe(0);
    expect(await ocr(plain)).toBe("PiKVM emulator virtual console\nHello CLI!\n");
    const [click, events, wrong, unknown] = await Promise.all([
      cli("click", "--at", "1919,0", "--screen", "1920x1080", "--binary"),
      cli("events", "--count", "3"),
      pikvm("--url", plain.url, "--passwd", "wrong", "type", "x"),
      cli("key", "NoSuchKey"),
    ]);
    expect(click.code).toBe(0);
    expect(events.code).toBe(0);
    const lines = events.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.event_type)).toEqual(["loop", "gpio", "hid"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^pikvm: AuthError: .*403.*\n$/);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^pikvm: InvalidInputError: unknown key/);
  });

  test("--tls serves a self-signed certificate; the client accepts it unless --verify-ssl", async () => {
    expect(tls.url).toMatch(/^https:/);
    const [accepted, strict] = await Promise.all([
      pikvm("--url", tls.url, "--passwd", "secret", "type", "tls\n"),
      pikvm("--url", tls.url, "--passwd", "secret", "--verify-ssl", "type", "x"),
    ]);
    expect(accepted.code).toBe(0);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^pikvm: ConnectError: /);
    expect(await ocr(tls)).toBe("PiKVM emulator virtual console\ntls\n\n");
  });

  test("the type-hello example runs against the emulator CLI", async () => {
    const r = await run("examples/type-hello.ts", [], { PIKVM_URL: tls.url, PIKVM_PASSWD: "secret" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/event_type: 'loop'/);
    expect(await ocr(tls)).toBe("PiKVM emulator virtual console\ntls\nhello\n");
  });

  test("pikvm info, snapshot, atx, msd upload, gpio, log and log -f (REST commands)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pikvm-cli-"));
    try {
      const cli = (...args: string[]) => pikvm("--url", plain.url, "--passwd", "secret", ...args);
      const iso = join(dir, "small.iso");
      await writeFile(iso, Buffer.alloc(150_000, 3));
      const follow = spawnScript("src/cli/pikvm.ts", ["--url", plain.url, "--passwd", "secret", "log", "-f"], {
        cwd: pkgDir,
      });
      const [info, snap, upload, gpio, usage] = await Promise.all([
        cli("info", "extras", "auth"),
        cli("snapshot", join(dir, "s.jpg"), "--save"),
        cli("msd", "upload", iso, "--name", "boot.iso"),
        cli("gpio", "__v3_usb_breaker__", "off"),
        cli("atx", "explode"),
      ]);
      expect(info.code).toBe(0);
      expect(JSON.parse(info.stdout)).toEqual({ auth: { enabled: true }, extras: {} });
      expect(snap.code).toBe(0);
      expect([...(await readFile(join(dir, "s.jpg"))).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect(upload.code).toBe(0);
      expect(upload.stderr).toContain("uploading boot.iso: 100%");
      expect(JSON.parse(upload.stdout)).toEqual({ image: { name: "boot.iso", size: 150_000, written: 150_000 } });
      expect(JSON.parse(gpio.stdout).state.outputs.__v3_usb_breaker__.state).toBe(false);
      expect(usage.code).toBe(2);
      // The followed log shows the upload; Ctrl-C ends it cleanly.
      await follow.line(/Written 150000 bytes to image "boot.iso"/, 90_000);
      expect(await follow.stop("SIGINT")).toBe(0);
      const log = await cli("log", "--seek", "3600");
      expect(log.stdout).toMatch(/kvmd\.service\] --- .*Written 150000 bytes/);
      const atx = await cli("atx", "off");
      expect(JSON.parse(atx.stdout).leds.power).toBe(false);
      expect(JSON.parse((await cli("atx", "on")).stdout).leds.power).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("SIGTERM and SIGINT close the emulator gracefully (exit 0)", async () => {
    expect(await Promise.all([plain.proc.stop("SIGTERM"), tls.proc.stop("SIGINT")])).toEqual([0, 0]);
  });
});
