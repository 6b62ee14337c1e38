import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import {
  AccessGuard,
  resolveStaticFile,
  serveStaticFile,
  startWsServer,
  type UpgradeHandler,
  WsEndpoint,
} from "../src/server/index.js";
import {
  connectTestClient,
  disposeLeftovers,
  rawRequest as http,
  startTestServer,
  trackLeftover,
} from "../src/testing/index.js";

afterEach(disposeLeftovers);

describe("AccessGuard on upgrades (WsEndpoint default)", () => {
  test("a foreign Origin is refused with 403 before the upgrade; same-origin and non-browser clients pass", async () => {
    const server = await startTestServer();
    const refused = await connectTestClient(server.url, { origin: "http://evil.example" }).catch((e) => e);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ error: "origin not allowed", origin: "http://evil.example" });
    const nullOrigin = await connectTestClient(server.url, { origin: "null" }).catch((e) => e);
    expect(nullOrigin.status).toBe(403);
    await connectTestClient(server.url, { origin: `http://127.0.0.1:${server.port}` });
    await connectTestClient(server.url, {
      origin: `http://localhost:${server.port}`,
      headers: { host: `localhost:${server.port}` },
    });
    await connectTestClient(server.url);
    expect(server.endpoint.stats).toMatchObject({ accepted: 3, rejected: 2 });
  });

  test("a non-local Host (DNS rebinding) is refused on a loopback bind; listed hosts pass", async () => {
    const server = await startTestServer({ access: { allowedHosts: ["kvm.lan"] } });
    const rebound = await connectTestClient(server.url, { headers: { host: `evil.example:${server.port}` } }).catch(
      (e) => e,
    );
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toEqual({ error: "host not allowed", host: `evil.example:${server.port}` });
    await connectTestClient(server.url, { headers: { host: `kvm.lan:${server.port}` } });
    await connectTestClient(server.url, { headers: { host: `[::1]:${server.port}` } });
    await connectTestClient(server.url, { headers: { host: `app.localhost:${server.port}` } });
    expect(server.endpoint.stats.accepted).toBe(3);
  });

  test("a server bound to every interface skips the Host check unless hosts are listed; access:false trusts all", async () => {
    const guard = new AccessGuard({ bindHost: "0.0.0.0" });
    const req = { headers: { host: "evil.example" }, method: "GET" } as never;
    expect(guard.hostAllowed(req)).toBe(true);
    expect(new AccessGuard({ bindHost: "0.0.0.0", allowedHosts: ["a.lan"] }).hostAllowed(req)).toBe(false);
    const open = await startTestServer({ access: false });
    await connectTestClient(open.url, { origin: "http://evil.example", headers: { host: "evil.example" } });
    expect(open.endpoint.stats.accepted).toBe(1);
  });

  test("allowedOrigins opens it to listed origins, patterns, or everyone", async () => {
    const listed = await startTestServer({ allowedOrigins: ["http://good.example", /^chrome-extension:\/\//] });
    await connectTestClient(listed.url, { origin: "http://good.example" });
    await connectTestClient(listed.url, { origin: "chrome-extension://abc" });
    expect((await connectTestClient(listed.url, { origin: "http://good.example.evil" }).catch((e) => e)).status).toBe(
      403,
    );
    const all = await startTestServer({ allowedOrigins: "*" });
    await connectTestClient(all.url, { origin: "http://anything.example" });
    expect(all.endpoint.stats.accepted).toBe(1);
  });
});

describe("AccessGuard on plain HTTP", () => {
  async function restServer(guard: AccessGuard) {
    const calls: string[] = [];
    const s = await startWsServer({
      routes: {},
      onRequest: (req, res) => {
        if (guard.handleRequest(req, res)) return;
        calls.push(`${req.method} ${req.url}`);
        res.writeHead(204);
        res.end();
      },
    });
    trackLeftover(() => s.close());
    return { ...s, calls };
  }

  test("a cross-site simple POST never reaches the handler, with or without credentials", async () => {
    const s = await restServer(new AccessGuard());
    const evil = await http(`${s.url}/input`, {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "text/plain", authorization: "Bearer t" },
      body: "touch pwned\r",
    });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).error).toBe("origin not allowed");
    // No Origin but the browser marks it cross-site.
    const site = await http(`${s.url}/input`, { method: "POST", headers: { "sec-fetch-site": "cross-site" } });
    expect(site.status).toBe(403);
    expect(s.calls).toEqual([]);
    const same = await http(`${s.url}/input`, { method: "POST", headers: { origin: s.url } });
    expect(same.status).toBe(204);
    expect(same.headers["access-control-allow-origin"]).toBeUndefined();
    expect((await http(`${s.url}/input`, { method: "POST" })).status).toBe(204);
    expect(s.calls).toEqual(["POST /input", "POST /input"]);
  });

  test("preflights are answered only for allowed origins, with CORS headers on the real request", async () => {
    const s = await restServer(new AccessGuard({ allowedOrigins: ["http://ui.example"] }));
    const preflight = (origin: string) =>
      http(`${s.url}/x`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
    const good = await preflight("http://ui.example");
    expect(good.status).toBe(204);
    expect(good.headers["access-control-allow-origin"]).toBe("http://ui.example");
    expect(good.headers["access-control-allow-methods"]).toContain("POST");
    expect((await preflight("http://evil.example")).status).toBe(403);
    const real = await http(`${s.url}/x`, { method: "POST", headers: { origin: "http://ui.example" } });
    expect(real.status).toBe(204);
    expect(real.headers["access-control-allow-origin"]).toBe("http://ui.example");
    expect(real.headers.vary).toBe("Origin");
    expect(s.calls).toEqual(["POST /x"]);
  });

  test("Host: evil.example is refused on a GET too (rebinding reads)", async () => {
    const s = await restServer(new AccessGuard());
    const r = await http(`${s.url}/screen`, { headers: { host: "evil.example" } });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toEqual({ error: "host not allowed", host: "evil.example" });
    expect(s.calls).toEqual([]);
  });
});

describe("UpgradeRouter", () => {
  test("a handler that declines gets a 404 and the socket is closed (no descriptor left behind)", async () => {
    const declining: UpgradeHandler = { handleUpgrade: () => false };
    const s = await startWsServer({ routes: { "/app/*": declining, "/ok": new WsEndpoint({ heartbeat: false }) } });
    trackLeftover(() => s.close());
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => connectTestClient(`${s.wsUrl}/app/unknown${i}`).catch((e) => e)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(404));
    const count = await new Promise<number>((resolve) => s.server.getConnections((_e, n) => resolve(n)));
    expect(count).toBe(0);
  });
});

describe("static files", () => {
  const root = mkdtempSync(join(tmpdir(), "ws-core-static-"));
  const outside = mkdtempSync(join(tmpdir(), "ws-core-outside-"));
  writeFileSync(join(outside, "secret.txt"), "secret");
  mkdirSync(join(root, "sub"));
  writeFileSync(join(root, "sub", "index.html"), "<p>sub</p>");
  writeFileSync(join(root, "a.txt"), "a");
  writeFileSync(join(root, ".env"), "TOKEN=x");
  symlinkSync(outside, join(root, "outdir"));
  symlinkSync(join(outside, "secret.txt"), join(root, "out.txt"));
  symlinkSync(join(root, "a.txt"), join(root, "alias.txt"));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test("symlinks out of the root, dot-files and .. are not found; links inside the root are", async () => {
    expect(await resolveStaticFile(root, "/outdir/secret.txt")).toBeUndefined();
    expect(await resolveStaticFile(root, "/out.txt")).toBeUndefined();
    expect(await resolveStaticFile(root, "/.env")).toBeUndefined();
    expect(await resolveStaticFile(root, `/../${outside.split("/").pop()}/secret.txt`)).toBeUndefined();
    expect(await resolveStaticFile(root, "/a.txt\0")).toBeUndefined();
    expect((await resolveStaticFile(root, "/alias.txt"))?.stats.size).toBe(1);
    expect((await resolveStaticFile(root, "/sub"))?.path.endsWith("index.html")).toBe(true);
    expect(await resolveStaticFile(root, "/.env", { dotfiles: true })).toBeDefined();
  });

  test("serveStaticFile answers 200 with a type, or leaves the 404 to the caller", async () => {
    const s = await startWsServer({
      routes: {},
      onRequest: async (req, res) => {
        const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
        if (!(await serveStaticFile(root, path, req, res))) {
          res.writeHead(404);
          res.end();
        }
      },
    });
    trackLeftover(() => s.close());
    const ok = await http(`${s.url}/a.txt`);
    expect(ok.status).toBe(200);
    expect(ok.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(ok.body).toBe("a");
    expect((await http(`${s.url}/outdir/secret.txt`)).status).toBe(404);
    expect((await http(`${s.url}/.env`)).status).toBe(404);
  });
});
