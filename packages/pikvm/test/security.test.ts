import { mkdir, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { disposeLeftovers, tempDir } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { AUTH, asEvent, rawClient, startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

/** A raw HTTP request with exactly these headers (fetch will not send a forged Host). */
function raw(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | undefined; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => {
        body += c.toString();
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body, headers: res.headers }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

const forbidden = (msg: string) =>
  `{\n    "ok": false,\n    "result": {\n        "error": "HTTPForbidden",\n        "error_msg": ${JSON.stringify(msg)}\n    }\n}`;

describe("Host check on a loopback bind (DNS rebinding)", () => {
  test("Host: evil.example is refused with 403 on REST, before kvmd's auth", async () => {
    const s = await startEmulator();
    const r = await raw(`${s.url}/api/info`, { ...AUTH, Host: "evil.example" });
    expect([r.status, r.type, r.body]).toEqual([
      403,
      "application/json; charset=utf-8",
      forbidden("Host not allowed: evil.example"),
    ]);
    const own = await raw(`${s.url}/api/info`, { ...AUTH, Host: `localhost:${s.addr.port}` });
    expect(own.status).toBe(200);
  });

  test("Host: evil.example is refused with 403 on the /api/ws upgrade, valid credentials or not", async () => {
    const s = await startEmulator();
    const refused = await rawClient(s.wsUrl, { headers: { ...AUTH, Host: "evil.example" } }).catch((e) => e);
    expect(refused.status).toBe(403);
    expect(refused.body).toBe(forbidden("Host not allowed: evil.example"));
    expect(s.emu.sessions).toBe(0);
  });

  test("access.allowedHosts lets a listed name in", async () => {
    const s = await startEmulator({ access: { allowedHosts: ["kvm.lan"] } });
    expect((await raw(`${s.url}/api/auth/check`, { ...AUTH, Host: "kvm.lan" })).status).toBe(200);
    const ws = await rawClient(s.wsUrl, { headers: { ...AUTH, Host: `kvm.lan:${s.addr.port}` } });
    expect(asEvent(await ws.next()).event_type).toBe("loop");
  });
});

describe("Origin", () => {
  test("a foreign Origin is refused on the upgrade and on REST; the emulator's own pages pass", async () => {
    const s = await startEmulator();
    const evil = await rawClient(s.wsUrl, { origin: "http://evil.example" }).catch((e) => e);
    expect(evil.status).toBe(403);
    expect(evil.body).toBe(forbidden("Origin not allowed: http://evil.example"));
    const rest = await raw(`${s.url}/api/info`, { ...AUTH, Origin: "http://evil.example" });
    expect([rest.status, rest.body]).toEqual([403, forbidden("Origin not allowed: http://evil.example")]);
    // Same origin: a page served from staticDir (the kvmd web UI) keeps working.
    const own = await rawClient(s.wsUrl, { origin: s.url });
    expect(asEvent(await own.next()).event_type).toBe("loop");
    const ownRest = await raw(`${s.url}/api/info`, { ...AUTH, Origin: s.url });
    expect(ownRest.status).toBe(200);
    expect(ownRest.headers["access-control-allow-origin"]).toBeUndefined();
  });

  test("access.allowedOrigins trusts a listed origin, with CORS headers and preflight", async () => {
    const s = await startEmulator({ access: { allowedOrigins: ["http://dev.example:5173"] } });
    const ws = await rawClient(s.wsUrl, { origin: "http://dev.example:5173" });
    expect(asEvent(await ws.next()).event_type).toBe("loop");
    const r = await raw(`${s.url}/api/info`, { ...AUTH, Origin: "http://dev.example:5173" });
    expect([r.status, r.headers["access-control-allow-origin"]]).toEqual([200, "http://dev.example:5173"]);
    const pre = await fetch(`${s.url}/api/hid/print`, {
      method: "OPTIONS",
      headers: { Origin: "http://dev.example:5173", "Access-Control-Request-Method": "POST" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-headers")).toContain("X-KVMD-Passwd");
  });

  test("access: false trusts every Host and Origin (kvmd's auth still applies)", async () => {
    const s = await startEmulator({ access: false });
    const ws = await rawClient(s.wsUrl, { origin: "http://evil.example", headers: { ...AUTH, Host: "evil.example" } });
    expect(asEvent(await ws.next()).event_type).toBe("loop");
    const noAuth = await rawClient(s.wsUrl, { headers: {} }).catch((e) => e);
    expect(noAuth.status).toBe(401);
  });
});

describe("staticDir stays inside its root", () => {
  test("a symlink out of the root answers 404 (ln -s /etc ROOT/etcdir; GET /etcdir/passwd)", async () => {
    const dir = tempDir("pikvm-static-");
    await mkdir(join(dir, "kvm"));
    await writeFile(join(dir, "kvm", "index.html"), "<p>kvm</p>");
    await writeFile(join(dir, ".env"), "SECRET=1");
    await symlink("/etc", join(dir, "etcdir"));
    await symlink("/etc/passwd", join(dir, "passwd.txt"));
    await symlink(join(dir, "kvm"), join(dir, "alias")); // inside the root: still served
    const s = await startEmulator({ staticDir: dir, authEnabled: false });
    expect((await raw(`${s.url}/etcdir/passwd`)).status).toBe(404);
    expect((await raw(`${s.url}/etcdir/`)).status).toBe(404);
    expect((await raw(`${s.url}/passwd.txt`)).status).toBe(404);
    expect((await raw(`${s.url}/.env`)).status).toBe(404);
    const alias = await raw(`${s.url}/alias/`);
    expect([alias.status, alias.body]).toEqual([200, "<p>kvm</p>"]);
    const kvm = await raw(`${s.url}/kvm`); // a directory answers its index.html
    expect([kvm.status, kvm.type, kvm.body]).toEqual([200, "text/html; charset=utf-8", "<p>kvm</p>"]);
  });
});
