import { request } from "node:http";
import { connectTestClient, disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { startTestBridge } from "./helpers/bridge.js";
import { startCli } from "./helpers/cli.js";
import { autoRespond, connectFakeExtension, type FakeExtension } from "./helpers/fake-extension.js";
import { rest } from "./helpers/rest.js";

afterEach(disposeLeftovers);

/** A raw HTTP request with exactly these headers (fetch will not send a forged Host). */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => {
        body += c.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const commandsSeen = (ext: FakeExtension) =>
  ext.received.filter((m) => String(m).includes('"type":"command"')).map((m) => JSON.parse(String(m)).command);

/** A ping round trip: every frame the server sent this connection before has arrived. */
async function settle(ext: FakeExtension): Promise<void> {
  ext.send({ type: "ping" });
  await ext.nextJson((m: any) => m.type === "pong");
}

describe("the default executor is never replaced silently", () => {
  test("a second executor does not take over: typed text still goes to the first, and a forged reply is ignored", async () => {
    const s = await startTestBridge();
    const real = await connectFakeExtension(s.addresses.wsUrl as string, { origin: "chrome-extension://real" });
    const rogue = await connectFakeExtension(s.addresses.restWsUrl);
    const typed = rest(s.addresses.url, "POST", "/keyboard/type", { text: "hunter2", command_id: "pw-1" });
    const cmd = await real.nextCommand();
    expect(cmd).toMatchObject({ type: "keyboard_type", text: "hunter2", command_id: "pw-1" });
    rogue.send({ type: "command_response", command_id: "pw-1", success: true, message: "forged", data: {} });
    await settle(rogue);
    real.respond("pw-1", { message: "Typed: hunter2" });
    expect((await typed).json).toMatchObject({ success: true, message: "Typed: hunter2" });
    await settle(rogue);
    expect(commandsSeen(rogue)).toEqual([]);
  });

  test("a non-default executor gets only the commands that name it (?extension= or X-Extension-Id)", async () => {
    const s = await startTestBridge();
    const first = await connectFakeExtension(s.addresses.wsUrl as string);
    const second = await connectFakeExtension(s.addresses.wsUrl as string);
    autoRespond(first);
    autoRespond(second);
    const id = second.welcome.connection_id;
    const byQuery = await rest(s.addresses.url, "POST", `/command?extension=${id}`, { type: "get_tabs" });
    const byHeader = await rest(s.addresses.url, "GET", "/tabs", undefined, { "X-Extension-Id": id });
    const unnamed = await rest(s.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "plain" });
    expect([byQuery.status, byHeader.status, unnamed.status]).toEqual([200, 200, 200]);
    expect(commandsSeen(second)).toHaveLength(2);
    expect(commandsSeen(first).map((c) => c.command_id)).toEqual(["plain"]);
  });

  test("when the default disconnects, the oldest connection still open becomes the default", async () => {
    const s = await startTestBridge();
    const first = await connectFakeExtension(s.addresses.wsUrl as string);
    const second = await connectFakeExtension(s.addresses.wsUrl as string);
    const third = await connectFakeExtension(s.addresses.wsUrl as string);
    await first.close();
    await waitFor(() => s.hub.size === 2);
    const r = rest(s.addresses.url, "POST", "/command", { type: "get_tabs", command_id: "after" });
    second.respond((await second.nextCommand()).command_id);
    expect((await r).status).toBe(200);
    await settle(third);
    expect(commandsSeen(third)).toEqual([]);
  });

  test("with a token, a newcomer (which presented it) becomes the default", async () => {
    const lines: string[] = [];
    const s = await startTestBridge({ token: "t0k", log: (l) => lines.push(l) });
    const first = await connectFakeExtension(`${s.addresses.wsUrl}/?token=t0k`);
    const second = await connectFakeExtension(s.addresses.restWsUrl, { headers: { Authorization: "Bearer t0k" } });
    const r = rest(s.addresses.url, "GET", "/tabs", undefined, { "X-Bridge-Token": "t0k" });
    second.respond((await second.nextCommand()).command_id);
    expect((await r).status).toBe(200);
    expect(commandsSeen(first)).toEqual([]);
    expect(lines[1]).toMatch(
      new RegExp(`^executor ${second.welcome.connection_id} connected, .*now the default \\(token presented`),
    );
  });
});

describe("connection log and GET /", () => {
  test("every connect and disconnect is logged with its Origin and which executor is the default", async () => {
    const lines: string[] = [];
    const s = await startTestBridge({ log: (l) => lines.push(l) });
    const ext = await connectFakeExtension(s.addresses.wsUrl as string, { origin: "chrome-extension://abcdef" });
    const other = await connectFakeExtension(s.addresses.restWsUrl);
    const [a, b] = [ext.welcome.connection_id, other.welcome.connection_id];
    await ext.close(1000, "Client disconnected");
    await waitFor(() => lines.length === 3);
    expect(lines[0]).toMatch(
      new RegExp(`^executor ${a} connected, Origin "chrome-extension://abcdef" from 127\\.0\\.0\\.1: now the default$`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^executor ${b} connected, Origin \\(none\\) from 127\\.0\\.0\\.1: NOT the default.*executor ${a}`),
    );
    expect(lines[1]).toContain(`?extension=${b}`);
    expect(lines[2]).toBe(
      `executor ${a} disconnected (1000 "Client disconnected"), Origin "chrome-extension://abcdef" from 127.0.0.1; executor ${b} (Origin (none) from 127.0.0.1) is now the default`,
    );
    await other.close(1000);
    await waitFor(() => lines.length === 4);
    expect(lines[3]).toMatch(/disconnected \(1000\), Origin \(none\) from 127\.0\.0\.1; no executor connected$/);
  });

  test("GET / lists every connection: id, origin, connected_at, and which is the default", async () => {
    const s = await startTestBridge();
    const ext = await connectFakeExtension(s.addresses.wsUrl as string, { origin: "chrome-extension://abcdef" });
    const other = await connectFakeExtension(s.addresses.wsUrl as string);
    const status = await rest(s.addresses.url, "GET", "/");
    expect(status.json.data.connections).toEqual([
      {
        id: ext.welcome.connection_id,
        origin: "chrome-extension://abcdef",
        connected_at: expect.any(Number),
        default: true,
      },
      { id: other.welcome.connection_id, origin: null, connected_at: expect.any(Number), default: false },
    ]);
  });
});

describe("Host and Origin (ws-core's AccessGuard)", () => {
  test("a WebSocket from a foreign web page is refused with 403 on both ports", async () => {
    const s = await startTestBridge();
    for (const url of [s.addresses.wsUrl as string, s.addresses.restWsUrl]) {
      const refused = await connectTestClient(url, { origin: "https://evil.example" }).catch((e) => e);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toEqual({ error: "origin not allowed", origin: "https://evil.example" });
    }
    expect(s.hub.size).toBe(0);
  });

  test("REST with Host evil.example is refused with 403 (DNS rebinding)", async () => {
    const s = await startTestBridge();
    const r = await raw(`${s.addresses.url}/`, { headers: { Host: "evil.example" } });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ success: false, error: "Host not allowed: evil.example" });
    const upgrade = await connectTestClient(s.addresses.restWsUrl, { headers: { Host: "evil.example" } }).catch(
      (e) => e,
    );
    expect(upgrade.status).toBe(403);
  });

  test("a cross-site text/plain POST /command is refused with 403 and no command is dispatched", async () => {
    const s = await startTestBridge();
    const ext = await connectFakeExtension(s.addresses.wsUrl as string);
    const body = JSON.stringify({ type: "keyboard_type", text: "rm -rf ~\n" });
    const withOrigin = await raw(`${s.addresses.url}/command`, {
      method: "POST",
      headers: { "Content-Type": "text/plain", Origin: "http://evil.example" },
      body,
    });
    expect(withOrigin.status).toBe(403);
    expect(withOrigin.json.error).toBe("Origin not allowed: http://evil.example");
    // Engines that leave Origin off still say where the request comes from.
    const noOrigin = await raw(`${s.addresses.url}/command`, {
      method: "POST",
      headers: { "Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site" },
      body,
    });
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.json.error).toBe("Cross-site request refused");
    await settle(ext);
    expect(commandsSeen(ext)).toEqual([]);
    expect(s.hub.pendingCount).toBe(0);
  });
});

test("the Bearer scheme is case-insensitive (REST and WebSocket)", async () => {
  const s = await startTestBridge({ token: "s3cret" });
  for (const scheme of ["bearer", "BEARER", "Bearer"]) {
    const r = await rest(s.addresses.url, "GET", "/", undefined, { Authorization: `${scheme} s3cret` });
    expect(r.status).toBe(200);
  }
  expect((await rest(s.addresses.url, "GET", "/", undefined, { Authorization: "bearer wrong" })).status).toBe(401);
  const ext = await connectFakeExtension(s.addresses.wsUrl as string, { headers: { Authorization: "bearer s3cret" } });
  expect(ext.welcome.type).toBe("connected");
});

test("serve without --token warns on stderr and logs executor connections with their Origin", async () => {
  const cli = startCli(["serve", "--port", "0", "--ws-port", "0"]);
  const [, base] = await cli.line(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/);
  const warnings = cli
    .stderr()
    .split("\n")
    .filter((l) => l.includes("warning"));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/^chrome-bridge: warning: no --token: .*first executor to connect gets every command/);
  const ext = await connectFakeExtension(`${(base as string).replace("http", "ws")}/ws`, {
    origin: "chrome-extension://cli-test",
  });
  await waitFor(() => cli.stderr().includes(`executor ${ext.welcome.connection_id} connected`));
  expect(cli.stderr()).toContain(
    `chrome-bridge: executor ${ext.welcome.connection_id} connected, Origin "chrome-extension://cli-test" from 127.0.0.1: now the default`,
  );
  await ext.close();
  expect(await cli.stop()).toBe(0);
  expect(cli.lines()).toEqual([`listening on ${base}`]);
});
