import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumPath } from "@proj/ws-core/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type RunningCli, runCli, startCli } from "./helpers/cli.js";

let serve: RunningCli;
let executor: RunningCli;
let url: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chrome-bridge-cli-"));
  serve = startCli(["serve", "--port", "0", "--ws-port", "0", "--timeout", "10", "--token", "cli-token"]);
  const [, base] = await serve.line(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/);
  url = base as string;
  executor = startCli([
    "executor",
    "--server",
    `${url.replace("http", "ws")}/ws`,
    "--chromium",
    chromiumPath(),
    "--token",
    "cli-token",
  ]);
  await executor.line(/^executor connected to ws:\/\//);
});

afterAll(async () => {
  await executor?.stop();
  await serve?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("chrome-bridge CLI", () => {
  test("serve prints exactly one stdout line", () => {
    expect(serve.lines().filter((l) => l.trim())).toEqual([`listening on ${url}`]);
  });

  test("status shows the connected executor", async () => {
    const r = await runCli(["status", "--url", url, "--token", "cli-token"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ success: true, data: { extensions_connected: 1 } });
  });

  test("tabs lists the browser's tabs", async () => {
    const r = await runCli(["tabs", "--url", url, "--token", "cli-token"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.data.count).toBeGreaterThanOrEqual(1);
    expect(out.data.tabs[0]).toMatchObject({
      id: expect.any(Number),
      url: expect.any(String),
      active: expect.any(Boolean),
    });
  });

  test("screenshot --save writes a decodable image", async () => {
    const file = join(dir, "shot.png");
    const r = await runCli(["screenshot", "--save", file, "--format", "png", "--url", url, "--token", "cli-token"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const bytes = await readFile(file);
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    expect(bytes.readUInt32BE(16)).toBe(out.data.width);
    expect(out.data).toMatchObject({ saved: file, bytes: bytes.length, format: "png" });
  });

  test("send runs any command; failures exit 1 with the envelope, bad usage exits 2", async () => {
    const ok = await runCli([
      "send",
      '{"type":"mouse_move","dx":10,"dy":20,"duration":0.05}',
      "--url",
      url,
      "--token",
      "cli-token",
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ success: true, message: "Mouse moved by (10, 20) pixels" });
    const invalid = await runCli(["send", '{"type":"mouse_move","dx":10}', "--url", url, "--token", "cli-token"]);
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ success: false, error: "Field required: 'dy'" });
    const noToken = await runCli(["status", "--url", url]);
    expect(noToken.code).toBe(1);
    expect(JSON.parse(noToken.stdout).error).toBe("Missing or invalid token");
    const usage = await runCli(["send", "{not json", "--url", url]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("not valid JSON");
    const badServe = await runCli(["serve", "--port", "0", "--timeout", "0"]);
    expect(badServe.code).toBe(2);
    expect(badServe.stderr).toContain("--timeout must be more than 0 seconds");
  });

  test("SIGTERM shuts the executor (and its Chromium) and the server down cleanly", async () => {
    expect(await executor.stop()).toBe(0);
    expect(await serve.stop()).toBe(0);
  });
});
