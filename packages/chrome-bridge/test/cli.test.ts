import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeHttpServer, listen } from "@proj/ws-core/server";
import { chromiumPath, waitFor } from "@proj/ws-core/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import pkg from "../package.json" with { type: "json" };
import { type RunningCli, runCli, startCli } from "./helpers/cli.js";

// Every CLI process is a tsx start (2-6 s on a loaded machine, more with a Chromium beside it): one server and
// one executor serve the whole file, and independent runs go out together. Nothing here waits on time.
const TIMEOUT = 120_000;

let serve: RunningCli;
let executor: RunningCli;
let url: string;
let wsPort: number;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chrome-bridge-cli-"));
  serve = startCli(["serve", "--port", "0", "--ws-port", "0", "--timeout", "30", "--token", "cli-token"]);
  const [, base] = await serve.line(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/, 90_000);
  url = base as string;
  const ext = await waitFor(() => /^extensions: ws:\/\/127\.0\.0\.1:(\d+) and /m.exec(serve.stderr()), {
    timeoutMs: 10_000,
  });
  wsPort = Number(ext[1]);
  executor = startCli([
    "executor",
    "--server",
    `${url.replace("http", "ws")}/ws`,
    "--chromium",
    chromiumPath(),
    "--token",
    "cli-token",
  ]);
  await executor.line(/^executor connected to ws:\/\//, 90_000);
}, TIMEOUT);

afterAll(async () => {
  await executor?.stop();
  await serve?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A port that refuses connections: one that was just free (port 1 may be in use on a shared machine). */
async function refusedPort(): Promise<number> {
  const closed = await listen(createNetServer());
  await new Promise((r) => closed.server.close(r));
  return closed.port;
}

const withToken = (...args: string[]) => runCli([...args, "--url", url, "--token", "cli-token"]);

describe("chrome-bridge CLI", { timeout: TIMEOUT }, () => {
  test("serve prints exactly one stdout line", () => {
    expect(serve.lines().filter((l) => l.trim())).toEqual([`listening on ${url}`]);
  });

  test("--help (top level and per command), --version, usage errors exit 2", async () => {
    const [h, serveHelp, helpScreenshot, version, bogus, unknown, none, badFormat, badServe, badWire] =
      await Promise.all([
        runCli(["-h"]),
        runCli(["serve", "--help"]),
        runCli(["help", "screenshot"]),
        runCli(["--", "--version"]), // pnpm run x -- ARGS passes the "--" on
        runCli(["--bogus"]),
        runCli(["nope"]),
        runCli([]),
        runCli(["screenshot", "--save", join(dir, "x.png"), "--format", "jpeg"]),
        runCli(["serve", "--port", "0", "--timeout", "0"]),
        runCli(["serve", "--port", "0", "--command-format", "json"]),
      ]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain(`chrome-bridge ${pkg.version}: `);
    for (const c of ["serve", "executor", "status", "tabs", "screenshot", "send"])
      expect(h.stdout).toContain(`chrome-bridge ${c} `);
    expect(serveHelp.code).toBe(0);
    for (const flag of [
      "--host HOST",
      "--port PORT",
      "--ws-port PORT|off",
      "--timeout SECONDS",
      "--token TOKEN",
      "--command-format auto|envelope|bare",
    ])
      expect(serveHelp.stdout).toContain(flag);
    expect(helpScreenshot.code).toBe(0);
    expect(helpScreenshot.stdout).toMatch(/--save FILE\s+write the image to FILE/);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^chrome-bridge: Unknown option '--bogus'[\s\S]*Usage:/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^chrome-bridge: unknown command: nope\n/);
    expect(none.code).toBe(2);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/^chrome-bridge screenshot: --format jpeg does not match --save .*x\.png/);
    expect(badFormat.stderr).toContain("Usage:\n  chrome-bridge screenshot [options]");
    expect(badServe.code).toBe(2);
    expect(badServe.stderr).toMatch(/^chrome-bridge serve: --timeout must be a number of seconds above 0/);
    expect(badWire.code).toBe(2);
    expect(badWire.stderr).toMatch(/^chrome-bridge serve: --command-format must be auto, envelope or bare/);
  });

  test("a busy port, an executor that cannot connect and an unreachable server exit 1 with one line", async () => {
    const port = await refusedPort();
    const [busy, noServer, unreachable] = await Promise.all([
      runCli(["serve", "--port", "0", "--ws-port", String(wsPort)]),
      runCli([
        "executor",
        "--server",
        `ws://127.0.0.1:${port}`,
        "--chromium",
        chromiumPath(),
        "--connect-attempts",
        "2",
      ]),
      runCli(["status", "--url", `http://127.0.0.1:${port}`]),
    ]);
    expect(busy.code).toBe(1);
    expect(busy.stdout).toBe(""); // never half up: no "listening on" for the REST port
    expect(busy.stderr).toBe(
      `chrome-bridge serve: port ${wsPort} on 127.0.0.1 (--ws-port) is already in use: stop what is using it, or pick another port (--ws-port 0 picks a free one, or --ws-port off)\n`,
    );
    expect(noServer.code).toBe(1);
    expect(noServer.stdout).toBe("");
    expect(noServer.stderr).toBe(
      `chrome-bridge: connecting to ws://127.0.0.1:${port}...\nchrome-bridge executor: cannot connect to ws://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (2 attempts; is chrome-bridge serve running there?)\n`,
    );
    expect(unreachable).toMatchObject({
      code: 1,
      stdout: "",
      stderr: `chrome-bridge status: cannot reach http://127.0.0.1:${port}: connection refused (is chrome-bridge serve running there? --url names it)\n`,
    });
  });

  test("status and tabs show the connected executor and its tabs", async () => {
    const [status, tabs] = await Promise.all([withToken("status"), withToken("tabs")]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ success: true, data: { extensions_connected: 1 } });
    expect(tabs.code).toBe(0);
    const out = JSON.parse(tabs.stdout);
    expect(out.data.count).toBeGreaterThanOrEqual(1);
    expect(out.data.tabs[0]).toMatchObject({
      id: expect.any(Number),
      url: expect.any(String),
      active: expect.any(Boolean),
    });
  });

  test("screenshot --save writes the format its name asks for", async () => {
    const png = join(dir, "shot.png");
    const jpg = join(dir, "shot.jpg");
    const [p, j] = await Promise.all([withToken("screenshot", "--save", png), withToken("screenshot", "--save", jpg)]);
    expect(p.code).toBe(0);
    const pngBytes = await readFile(png);
    expect(pngBytes.subarray(1, 4).toString()).toBe("PNG");
    const pngOut = JSON.parse(p.stdout);
    expect(pngBytes.readUInt32BE(16)).toBe(pngOut.data.width);
    expect(pngOut.data).toMatchObject({ saved: png, bytes: pngBytes.length, format: "png" });
    expect(j.code).toBe(0);
    const jpgBytes = await readFile(jpg);
    expect([...jpgBytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(JSON.parse(j.stdout).data).toMatchObject({ saved: jpg, format: "jpeg" });
  });

  test("screenshot --save refuses an image whose type does not match the file name", async () => {
    // A server whose executor answers JPEG whatever was asked.
    const fake = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({ success: true, data: { imageData: "data:image/jpeg;base64,/9j/4AAQ", format: "jpeg" } }),
      );
    });
    const { url: fakeUrl } = await listen(fake);
    const file = join(dir, "mismatch.png");
    try {
      const r = await runCli(["screenshot", "--save", file, "--url", fakeUrl]);
      expect(r).toMatchObject({
        code: 1,
        stderr: `chrome-bridge screenshot: the executor sent image/jpeg, not png; nothing written to ${file}\n`,
      });
      expect(existsSync(file)).toBe(false);
    } finally {
      await closeHttpServer(fake);
    }
  });

  test("send runs any command; failures exit 1 with the envelope, bad usage exits 2", async () => {
    const [ok, invalid, noToken, usage] = await Promise.all([
      withToken("send", '{"type":"mouse_move","dx":10,"dy":20,"duration":0.05}'),
      withToken("send", '{"type":"mouse_move","dx":10}'),
      runCli(["status", "--url", url]),
      runCli(["send", "{not json", "--url", url]),
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ success: true, message: "Mouse moved by (10, 20) pixels" });
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ success: false, error: "Field required: 'dy'" });
    expect(noToken.code).toBe(1);
    expect(JSON.parse(noToken.stdout).error).toBe("Missing or invalid token");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("not valid JSON");
  });

  test("agent commands: navigate, snapshot, fill and click by ref, wait-for, eval, console; usage errors exit 2", async () => {
    const form = `<title>CLI form</title><label for=n>Name</label><input id=n>
<button onclick="out.textContent = 'Hi ' + n.value; console.log('clicked')">Go</button><p id=out></p>`;
    const json = async (...args: string[]) => {
      const r = await withToken(...args);
      expect(r.stderr).toBe("");
      return { code: r.code, out: JSON.parse(r.stdout) };
    };
    const [nav, usage, both] = await Promise.all([
      json("navigate", `data:text/html,${encodeURIComponent(form)}`),
      runCli(["fill", "x", "--url", url]),
      runCli(["click", "--ref", "e1", "--selector", "p", "--url", url]),
    ]);
    expect(nav).toMatchObject({ code: 0, out: { success: true, data: { title: "CLI form" } } });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--ref REF or --selector CSS");
    expect(both.code).toBe(2);
    const snap = await json("snapshot");
    expect(snap.code).toBe(0);
    const ref = (name: string) => snap.out.data.elements.find((e: { name: string }) => e.name === name).ref as string;
    expect(await json("fill", "--ref", ref("Name"), "Ada")).toMatchObject({ code: 0, out: { data: { value: "Ada" } } });
    expect(await json("click", "--ref", ref("Go"))).toMatchObject({ code: 0, out: { success: true } });
    const waited = await json("wait-for", "--text", "Hi Ada", "--timeout", "20");
    expect(waited.out.error).toBeNull();
    expect(waited.code).toBe(0);
    const [evaluated, logged, missing] = await Promise.all([
      json("eval", "document.getElementById('out').textContent"),
      json("console"),
      json("wait-for", "--selector", "#never", "--timeout", "0.2"),
    ]);
    expect(evaluated.out.data.value).toBe("Hi Ada");
    expect(logged.out.data.messages.map((m: { text: string }) => m.text)).toContain("clicked");
    expect(missing).toMatchObject({ code: 1, out: { success: false, error: expect.stringContaining("#never") } });
  });

  test("SIGTERM shuts the executor (and its Chromium) and the server down cleanly", async () => {
    expect(await executor.stop()).toBe(0);
    expect(await serve.stop()).toBe(0);
  });
});
