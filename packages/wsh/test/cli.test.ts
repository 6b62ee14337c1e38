import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { connectTestClient, disposeLeftovers, spawnScript, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { spawn as ptySpawn } from "node-pty";
import { afterEach, describe, expect, test } from "vitest";
import { parseArgs, UsageError } from "../src/cli/args.js";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const cliArgs = (args: string[]) => ["--conditions", "@proj/source", "--import", tsxLoader, "src/cli/wsh.ts", ...args];
const env = { ...process.env, PS1: "$ ", ENV: "" };

async function startCli(args: string[]) {
  const cli = spawnScript("src/cli/wsh.ts", ["--headless", "--bind", "127.0.0.1:0", ...args], { cwd: pkgDir, env });
  const [first, url] = await cli.line(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/, 15_000);
  if (cli.lines()[0] !== first) throw new Error(`the listening line is not the first: ${cli.stdout()}`);
  return { child: cli.child, url: url as string, exit: cli.exit, stderr: cli.stderr };
}

const screen = async (url: string) => (await (await fetch(`${url}/screen?format=plain`)).json()) as any;
const showing = (url: string, text: string) =>
  waitFor(async () => (await screen(url)).lines.join("\n").includes(text), { timeoutMs: 10_000 });

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
      help: false,
      emulator: "worker",
    });
  });
  test.each([["--bind", "nope"], ["--cols", "1"], ["--emulator", "gpu"], ["--rows", "x"], ["--bogus"], ["--token"]])(
    "%s %s is a usage error",
    (...a) => {
      expect(() => parseArgs(a.filter(Boolean))).toThrow(UsageError);
    },
  );
});

describe("wsh CLI (headless)", () => {
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

  test("SIGTERM and SIGINT close every socket with 1000 and exit 0", async () => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const cli = await startCli(["--", "/bin/sh"]);
      const raw = await connectTestClient(`${cli.url.replace("http", "ws")}/ws/raw`);
      cli.child.kill(signal);
      expect(await raw.closed).toEqual({ code: 1000, reason: "server shutting down" });
      expect(await cli.exit).toEqual({ code: 0, signal: null });
    }
  });

  test("bad arguments exit 2 with a message", async () => {
    const bad = spawnScript("src/cli/wsh.ts", ["--cols", "zero"], { cwd: pkgDir, env });
    expect(await bad.exited).toBe(2);
    const err = bad.stderr();
    expect(err).toContain("--cols expects");
  });
});

describe("wsh CLI (attached, under a real PTY)", () => {
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
    const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], { timeoutMs: 15_000 });
    expect(await screen(url)).toMatchObject({ cols: 90, rows: 20 }); // the local terminal's size
    term.write("echo LOC''AL\r");
    await showing(url, "LOCAL");
    await waitFor(() => out.includes("LOCAL\r\n")).catch((e) => {
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
