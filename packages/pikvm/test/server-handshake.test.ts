import { request } from "node:http";
import { createServer } from "node:http";
import { closeHttpServer, listen, UpgradeRouter } from "@proj/ws-core/server";
import { disposeLeftovers } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { PiKVMEmulator } from "../src/server/index.js";
import { AUTH, asEvent, rawClient, startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

const FORBIDDEN_BODY =
  '{\n    "ok": false,\n    "result": {\n        "error": "ForbiddenError",\n        "error_msg": "Forbidden"\n    }\n}';

/** The raw HTTP answer to an upgrade attempt (status, headers, body). */
function upgradeAttempt(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = request(url.replace(/^ws/, "http"), {
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "icLp1mlmEKbByfwY3wltAA==",
        ...headers,
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, type: "", body: "" });
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("auth on the upgrade (kvmd order: headers, cookie, Basic)", () => {
  test("X-KVMD headers: ok, wrong password 403, unknown user 403 (not 401), bad user syntax 400", async () => {
    const s = await startEmulator();
    expect((await upgradeAttempt(s.wsUrl, AUTH)).status).toBe(101);
    const wrong = await upgradeAttempt(s.wsUrl, { "X-KVMD-User": "admin", "X-KVMD-Passwd": "nope" });
    expect(wrong).toEqual({ status: 403, type: "application/json; charset=utf-8", body: FORBIDDEN_BODY });
    expect((await upgradeAttempt(s.wsUrl, { "X-KVMD-User": "root", "X-KVMD-Passwd": "admin" })).status).toBe(403);
    const bad = await upgradeAttempt(s.wsUrl, { "X-KVMD-User": "Bad User!", "X-KVMD-Passwd": "x" });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).result.error).toBe("ValidatorError");
    await s.close();
  });

  test("no credentials: 401 UnauthorizedError envelope", async () => {
    const s = await startEmulator();
    const r = await upgradeAttempt(s.wsUrl, {});
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({
      ok: false,
      result: { error: "UnauthorizedError", error_msg: "Unauthorized" },
    });
    // An empty X-KVMD-User counts as absent.
    expect((await upgradeAttempt(s.wsUrl, { "X-KVMD-User": "", "X-KVMD-Passwd": "admin" })).status).toBe(401);
    await s.close();
  });

  test("cookie: token from /api/auth/login works; unknown token 403; malformed token 400; logout revokes", async () => {
    const s = await startEmulator();
    const login = await fetch(`${s.url}/api/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "user=admin&passwd=admin",
    });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^auth_token=[0-9a-f]{64}; HttpOnly; Path=\/; SameSite=Strict$/);
    const token = /auth_token=([0-9a-f]{64})/.exec(setCookie)?.[1] as string;
    expect((await upgradeAttempt(s.wsUrl, { Cookie: `x=1; auth_token=${token}` })).status).toBe(101);
    expect((await upgradeAttempt(s.wsUrl, { Cookie: `auth_token=${"0".repeat(64)}` })).status).toBe(403);
    expect((await upgradeAttempt(s.wsUrl, { Cookie: "auth_token=xyz" })).status).toBe(400);
    // A broken percent escape is just a malformed token (400), never an exception (REST alike).
    expect((await upgradeAttempt(s.wsUrl, { Cookie: "auth_token=%E0%A4%A" })).status).toBe(400);
    expect((await fetch(`${s.url}/api/hid`, { headers: { Cookie: "auth_token=%E0%A4%A" } })).status).toBe(400);
    expect((await upgradeAttempt(s.wsUrl, { Cookie: `auth_token="${token}"` })).status).toBe(101);
    const bad = await fetch(`${s.url}/api/auth/login`, {
      method: "POST",
      body: new URLSearchParams({ user: "admin", passwd: "x" }),
    });
    expect(bad.status).toBe(403);
    // The user name is stripped before it is checked (kvmd valid_user).
    const padded = await fetch(`${s.url}/api/auth/login`, { method: "POST", body: "user=%20admin%20&passwd=admin" });
    expect(padded.status).toBe(200);
    await fetch(`${s.url}/api/auth/logout`, { method: "POST", headers: { Cookie: `auth_token=${token}` } });
    expect((await upgradeAttempt(s.wsUrl, { Cookie: `auth_token=${token}` })).status).toBe(403);
    await s.close();
  });

  test("Basic: ok, wrong 403, undecodable 401; headers win over a bad cookie", async () => {
    const s = await startEmulator();
    const b64 = (v: string) => Buffer.from(v).toString("base64");
    expect((await upgradeAttempt(s.wsUrl, { Authorization: `Basic ${b64("admin:admin")}` })).status).toBe(101);
    expect((await upgradeAttempt(s.wsUrl, { Authorization: `Basic ${b64("admin:no")}` })).status).toBe(403);
    expect((await upgradeAttempt(s.wsUrl, { Authorization: `Basic ${b64("nocolon")}` })).status).toBe(401);
    expect((await upgradeAttempt(s.wsUrl, { ...AUTH, Cookie: "auth_token=garbage" })).status).toBe(101);
    await s.close();
  });

  test("auth disabled lets everyone in", async () => {
    const s = await startEmulator({ authEnabled: false });
    expect((await upgradeAttempt(s.wsUrl, {})).status).toBe(101);
    await s.close();
  });
});

describe("stream query flag (kvmd valid_bool)", () => {
  test("accepted spellings, 400 for others, auth checked first", async () => {
    const s = await startEmulator();
    for (const q of ["", "?stream=0", "?stream=1", "?stream=true", "?stream=YES", "?stream=no", "?stream=false"]) {
      expect((await upgradeAttempt(`${s.wsUrl}${q}`, AUTH)).status, q).toBe(101);
    }
    const bad = await upgradeAttempt(`${s.wsUrl}?stream=abc`, AUTH);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).result).toEqual({
      error: "ValidatorError",
      error_msg: "The argument 'abc' is not a valid bool (['1', 'true', 'yes'] or ['0', 'false', 'no'])",
    });
    expect((await upgradeAttempt(`${s.wsUrl}?stream=2`, AUTH)).status).toBe(400);
    expect((await upgradeAttempt(`${s.wsUrl}?stream=abc`, {})).status).toBe(401);
    expect(
      (await upgradeAttempt(`${s.wsUrl}?stream=abc`, { "X-KVMD-User": "admin", "X-KVMD-Passwd": "x" })).status,
    ).toBe(403);
    await s.close();
  });

  test("only stream=true sessions count as clients", async () => {
    const s = await startEmulator();
    const viewer = await rawClient(`${s.wsUrl}?stream=1`);
    await viewer.nextJson((e: any) => e.event_type === "clients");
    const script = await rawClient(`${s.wsUrl}?stream=0`);
    const counts = await script.nextJson((e: any) => e.event_type === "clients");
    expect(counts.event).toEqual({ count: 1 });
    expect(s.emu.viewers).toBe(1);
    expect(s.emu.sessions).toBe(2);
    await viewer.close();
    expect(asEvent(await script.next((m) => asEvent(m).event_type === "clients")).event).toEqual({ count: 0 });
    await script.close();
    await s.close();
  });
});

describe("paths and limits", () => {
  test("normalised paths, 404 elsewhere, plain 400 for a non-upgrade GET", async () => {
    const s = await startEmulator();
    expect((await upgradeAttempt(`${s.url.replace("http", "ws")}//api//ws/`, AUTH)).status).toBe(101);
    expect((await upgradeAttempt(`${s.url}/api/other`, AUTH)).status).toBe(404);
    const plain = await fetch(`${s.url}/api/ws`, { headers: AUTH });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toBe("No WebSocket UPGRADE hdr");
    await s.close();
  });

  test("maxClients refuses with 503 before the upgrade", async () => {
    const s = await startEmulator({ maxClients: 2 });
    const a = await rawClient(s.wsUrl);
    const b = await rawClient(s.wsUrl);
    const r = await upgradeAttempt(s.wsUrl, AUTH);
    expect(r.status).toBe(503);
    await a.close();
    await b.close();
    await s.close();
  });

  test("mounted on a shared server under a prefix via UpgradeRouter", async () => {
    const emu = new PiKVMEmulator({ basePath: "/pikvm", heartbeatMs: 0, uptimeIntervalMs: 0 });
    const router = new UpgradeRouter().add("/pikvm/*", emu);
    const server = createServer((req, res) => {
      void emu.handleRequest(req, res).then((handled) => {
        if (!handled) res.writeHead(418).end("other app");
      });
    });
    router.attach(server);
    const l = await listen(server);
    try {
      const c = await rawClient(`${l.wsUrl}/pikvm/api/ws`);
      expect(asEvent(await c.next()).event_type).toBe("loop");
      await c.close();
      const info = await fetch(`${l.url}/pikvm/api/info?fields=auth`, { headers: AUTH });
      expect(await info.json()).toEqual({ ok: true, result: { auth: { enabled: true } } });
      expect((await fetch(`${l.url}/elsewhere`)).status).toBe(418);
      expect((await upgradeAttempt(`${l.url}/pikvm/api/nope`, AUTH)).status).toBe(404);
    } finally {
      await emu.close({ graceMs: 100 });
      await closeHttpServer(server);
    }
  });
});
