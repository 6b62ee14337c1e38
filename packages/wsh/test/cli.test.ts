import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { listen } from "@proj/ws-core/server";
import {
  connectTestClient,
  disposeLeftovers,
  spawnScript,
  trackLeftover,
  waitFor,
  tempDir,
} from "@proj/ws-core/testing";
import { spawn as ptySpawn } from "node-pty";
import { afterEach, describe, expect, test } from "vitest";
import { parseArgs, UsageError } from "../src/cli/args.js";
import pkg from "../package.json" with { type: "json" };

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const cliArgs = (args: string[]) => ["--conditions", "@proj/source", "--import", tsxLoader, "src/cli/wsh.ts", ...args];
const env = { ...process.env, PS1: "$ ", ENV: "" };

// Every CLI test starts tsx processes: a few seconds each on a loaded machine, so budgets are generous and
// independent processes start together.
const CLI_TIMEOUT = 120_000;

/** Runs the CLI to its end; resolves with its exit code and output. */
async function runWsh(args: string[]) {
  const cli = spawnScript("src/cli/wsh.ts", args, { cwd: pkgDir, env });
  const { code } = await cli.exit;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

async function startCli(args: string[]) {
  const cli = spawnScript("src/cli/wsh.ts", ["--headless", "--bind", "127.0.0.1:0", ...args], { cwd: pkgDir, env });
  const [first, url] = await cli.line(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/, 60_000);
  if (cli.lines()[0] !== first) throw new Error(`the listening line is not the first: ${cli.stdout()}`);
  return { child: cli.child, url: url as string, exit: cli.exit, stderr: cli.stderr };
}

const screen = async (url: string) => (await (await fetch(`${url}/screen?format=plain`)).json()) as any;
const showing = (url: string, text: string) =>
  waitFor(async () => (await screen(url)).lines.join("\n").includes(text), { timeoutMs: 30_000 });

describe("argument parsing", () => {
  test("defaults, flags, command after --", () => {
    expect(parseArgs([])).toMatchObject({ host: "127.0.0.1", port: 8080, headless: false, command: undefined });
    expect(
      parseArgs([
        "--bind",
        "[::1]:0",
        "--token=t",
        "--headless",
        "--cols",
        "100",
        "--rows",
        "30",
        "--",
        "vim",
        "-u",
        "NONE",
      ]),
    ).toEqual({
      host: "::1",
      port: 0,
      token: "t",
      viewerToken: undefined,
      allowOrigins: [],
      allowHosts: [],
      headless: true,
      cols: 100,
      rows: 30,
      command: "vim",
      args: ["-u", "NONE"],
      emulator: "worker",
      ptyReader: "thread",
      resizePolicy: "owner",
      readonly: false,
      record: undefined,
      recordInput: false,
      clientBufferMiB: undefined,
    });
  });
  test("--resize-policy, --readonly, --record and --record-input", () => {
    expect(
      parseArgs(["--resize-policy", "attached", "--readonly", "--record", "s.cast", "--record-input"]),
    ).toMatchObject({ resizePolicy: "attached", readonly: true, record: "s.cast", recordInput: true });
    expect(() => parseArgs(["--resize-policy", "any"])).toThrow(/--resize-policy expects owner or attached/);
    expect(() => parseArgs(["--record-input"])).toThrow(/--record-input needs --record/);
  });
  test("--pty-reader", () => {
    expect(parseArgs(["--pty-reader", "loop"]).ptyReader).toBe("loop");
    expect(() => parseArgs(["--pty-reader", "poll"])).toThrow(/--pty-reader expects thread or loop, got 'poll'/);
  });
  test("--client-buffer in MiB", () => {
    expect(parseArgs(["--client-buffer", "64"]).clientBufferMiB).toBe(64);
    expect(() => parseArgs(["--client-buffer", "0"])).toThrow(/--client-buffer must be a whole number from 1/);
    expect(() => parseArgs(["--client-buffer", "lots"])).toThrow(/--client-buffer must be a whole number/);
  });
  test("upstream's --shell, -c and -i", () => {
    expect(parseArgs(["--shell", "/bin/bash"])).toMatchObject({ command: "/bin/bash", args: [] });
    expect(parseArgs(["--shell=/bin/bash", "-i"])).toMatchObject({ command: "/bin/bash", args: ["-i"] });
    expect(parseArgs(["-c", "top -b"])).toMatchObject({ command: "/bin/sh", args: ["-c", "top -b"] });
    expect(parseArgs(["-i", "-c", "ls"])).toMatchObject({ command: "/bin/sh", args: ["-ic", "ls"] });
    expect(parseArgs(["-i"]).args).toEqual(["-i"]);
  });
  test("a leading -- before options (pnpm run x -- ARGS passes it on) is dropped; otherwise -- starts the program", () => {
    expect(parseArgs(["--", "--headless", "--", "sh", "-c", "x"])).toMatchObject({
      headless: true,
      command: "sh",
      args: ["-c", "x"],
    });
    expect(parseArgs(["--", "vim", "--clean"])).toMatchObject({ headless: false, command: "vim", args: ["--clean"] });
    expect(parseArgs(["--", "--", "top"])).toMatchObject({ command: "top", args: [] });
  });
  test.each([
    ["--bind", "nope"],
    ["--cols", "1"],
    ["--emulator", "gpu"],
    ["--rows", "x"],
    ["--bogus"],
    ["--token"],
    ["stray"],
    ["--"],
    ["-c", "ls", "--", "vim"],
    ["-c", "ls", "--shell", "/bin/bash"],
  ])("%s %s is a usage error", (...a) => {
    expect(() => parseArgs(a.filter((x) => x !== undefined))).toThrow(UsageError);
  });
});

describe("wsh CLI: help, version, usage errors, failures", { timeout: CLI_TIMEOUT }, () => {
  test("-h/--help and --version exit 0; a usage error exits 2 with the usage on stderr; a failure at start is one line, exit 1", async () => {
    const busy = await listen(createServer());
    trackLeftover(() => new Promise<void>((r) => busy.server.close(() => r())));
    const [help, version, usage, taken, missing] = await Promise.all([
      runWsh(["--headless", "--help"]),
      runWsh(["--version"]),
      runWsh(["--cols", "zero"]),
      runWsh(["--headless", "--bind", `127.0.0.1:${busy.port}`, "--", "/bin/sh"]),
      runWsh(["--headless", "--bind", "127.0.0.1:0", "--", "/no/such/program"]),
    ]);

    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^wsh \d+\.\d+\.\d+\S*: /);
    for (const flag of WSH_FLAGS) expect(help.stdout).toMatch(new RegExp(`--${flag}\\b.*\\S`));
    expect(help.stdout).toMatch(/-c, --command COMMAND/);
    expect(help.stderr).toBe("");

    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });

    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^wsh: --cols must be a whole number from 2 to 1000, got "zero"\n/);
    expect(usage.stderr).toContain("Usage:");
    expect(usage.stdout).toBe("");

    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe(
      `wsh: cannot listen on 127.0.0.1:${busy.port}: port ${busy.port} is already in use; stop what is using it, or pick another port (--bind 127.0.0.1:0 picks a free one)\n`,
    );
    expect(taken.stdout).toBe("");

    expect(missing).toMatchObject({
      code: 1,
      stdout: "",
      stderr: "wsh: cannot run /no/such/program: no such program (or it is not executable)\n",
    });
  });
});

const WSH_FLAGS = [
  "bind",
  "token",
  "viewer-token",
  "allow-origin",
  "allow-host",
  "shell",
  "command",
  "interactive",
  "headless",
  "cols",
  "rows",
  "emulator",
  "help",
  "version",
];

describe("wsh CLI (headless)", { timeout: CLI_TIMEOUT }, () => {
  test("prints the listening line, runs `-- command args` at --cols/--rows, exits 0 with close 1000 when it ends", async () => {
    const cli = await startCli([
      "--cols",
      "100",
      "--rows",
      "30",
      "--",
      "/bin/sh",
      "-c",
      'echo "ARGS:$1:$2"; read line',
      "sh",
      "one",
      "two",
    ]);
    expect((await (await fetch(`${cli.url}/health`)).json()).status).toBe("ok");
    await showing(cli.url, "ARGS:one:two");
    expect(await screen(cli.url)).toMatchObject({ cols: 100, rows: 30 });
    const raw = await connectTestClient(`${cli.url.replace("http", "ws")}/ws/raw`);
    const json = await connectTestClient(`${cli.url.replace("http", "ws")}/ws/json`);
    await json.nextJson();
    await fetch(`${cli.url}/input`, { method: "POST", body: "done\r" });
    expect(await raw.closed).toEqual({ code: 1000, reason: "server shutting down" });
    expect(await json.closed).toEqual({ code: 1000, reason: "server shutting down" });
    expect(await cli.exit).toEqual({ code: 0, signal: null });
  });

  test("--record writes an asciicast; --readonly refuses input; --resize-policy attached refuses POST /resize", async () => {
    const cast = join(tempDir("wsh-cli-rec-"), "s.cast");
    const [rec, ro] = await Promise.all([
      startCli(["--record", cast, "--record-input", "--resize-policy", "attached", "--", "/bin/sh"]),
      startCli(["--readonly", "--", "/bin/sh"]),
    ]);
    expect((await fetch(`${rec.url}/resize`, { method: "POST", body: '{"cols":30,"rows":9}' })).status).toBe(403);
    expect((await fetch(`${ro.url}/input`, { method: "POST", body: "echo hi\r" })).status).toBe(403);
    expect((await fetch(`${ro.url}/`)).status).toBe(200);
    // Every client of a readonly server watches: a keystroke on /ws/raw closes it with 4403.
    const watcher = await connectTestClient(`${ro.url.replace("http", "ws")}/ws/raw`);
    watcher.send(Buffer.from("echo hi\r"));
    expect((await watcher.closed).code).toBe(4403);
    await fetch(`${rec.url}/input`, { method: "POST", body: "echo RE''C; exit\r" });
    expect(await rec.exit).toEqual({ code: 0, signal: null });
    ro.child.kill("SIGTERM");
    await ro.exit;
    const lines = readFileSync(cast, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(lines.some((e) => e[1] === "o" && String(e[2]).includes("REC"))).toBe(true);
    expect(lines.some((e) => e[1] === "i" && String(e[2]).includes("echo RE''C"))).toBe(true);
  });

  test("--record survives a crash: after SIGKILL the file holds whole events up to the last flush", async () => {
    const cast = join(tempDir("wsh-cli-kill-"), "k.cast");
    const cli = await startCli(["--record", cast, "--", "/bin/sh"]);
    await fetch(`${cli.url}/input`, { method: "POST", body: "echo KI''LLED\r" });
    await showing(cli.url, "KILLED");
    // Flushed as it goes (every 250 ms), not at exit: the output reaches the file while the server runs.
    await waitFor(() => readFileSync(cast, "utf8").includes("KILLED"), { timeoutMs: 30_000, message: "flushed" });
    cli.child.kill("SIGKILL");
    expect(await cli.exit).toMatchObject({ signal: "SIGKILL" });
    const text = readFileSync(cast, "utf8");
    expect(text.endsWith("\n")).toBe(true); // no half-written line
    const events = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(events.some((e) => e[1] === "o" && String(e[2]).includes("KILLED"))).toBe(true);
  });

  test("SIGTERM and SIGINT close every socket with 1000 and exit 0", async () => {
    await Promise.all(
      (["SIGTERM", "SIGINT"] as const).map(async (signal) => {
        const cli = await startCli(["-c", "read line"]);
        const raw = await connectTestClient(`${cli.url.replace("http", "ws")}/ws/raw`);
        cli.child.kill(signal);
        expect(await raw.closed).toEqual({ code: 1000, reason: "server shutting down" });
        expect(await cli.exit).toEqual({ code: 0, signal: null });
      }),
    );
  });
});

describe("wsh CLI (attached, under a real PTY)", { timeout: CLI_TIMEOUT }, () => {
  test("passes the local terminal through; input capture applies to the local keyboard; Ctrl+\\ releases it", async () => {
    const term = ptySpawn(process.execPath, cliArgs(["--bind", "127.0.0.1:0", "--", "/bin/sh"]), {
      cols: 90,
      rows: 20,
      cwd: pkgDir,
      env: env as Record<string, string>,
    });
    let out = "";
    term.onData((d) => {
      out += d;
    });
    const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    trackLeftover(() => term.kill("SIGKILL"));
    const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], { timeoutMs: 60_000 });
    expect(await screen(url)).toMatchObject({ cols: 90, rows: 20 }); // the local terminal's size
    term.write("echo LOC''AL\r");
    await showing(url, "LOCAL");
    await waitFor(() => out.includes("LOCAL\r\n"), { timeoutMs: 30_000 }).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(out)}`);
    }); // output is copied to the local terminal

    const json = await connectTestClient(`${url.replace("http", "ws")}/ws/json`);
    await json.nextJson();
    json.send({ events: ["input"] });
    await json.nextJson((m: any) => m.event === "sync");
    await fetch(`${url}/input/capture`, { method: "POST" });
    await json.nextJson((m: any) => m.event === "mode" && m.mode === "capture");
    term.write("z");
    expect(await json.nextJson((m: any) => m.event === "input")).toEqual({
      event: "input",
      mode: "capture",
      raw: [122],
      parsed: { key: "z", modifiers: [] },
    });
    term.write("\x1c");
    await json.nextJson((m: any) => m.event === "mode" && m.mode === "passthrough");
    expect((await (await fetch(`${url}/input/mode`)).json()).mode).toBe("passthrough");
    term.write("echo AF''TER\r");
    await showing(url, "AFTER");
    expect((await screen(url)).lines.join("\n")).not.toContain("z");
    term.write("exit\r");
    expect((await json.closed).code).toBe(1000);
    expect(await exited).toBe(0);
  });
});
