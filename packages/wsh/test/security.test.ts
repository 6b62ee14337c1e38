// Issue 12, wsh part: no web page, stranger or spectator can drive the shell.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AccessGuard, closeHttpServer, createHttpServer, listen, UpgradeRouter } from "@proj/ws-core/server";
import {
  connectTestClient,
  disposeLeftovers,
  rawRequest,
  spawnScript,
  type TestClient,
  trackLeftover,
  waitFor,
  tempDir,
} from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { parseArgs, UsageError } from "../src/cli/args.js";
import { resolveAuthToken } from "../src/server/auth.js";
import { authorize, startWshServer, WshServer } from "../src/server/index.js";
import { bytesText, input, type Started, screenText, startShell, waitForScreen, wsBase } from "./helpers.js";

afterEach(disposeLeftovers);

const EVIL = "http://evil.example";

/** A raw HTTP request with exactly these headers (fetch would not let a test forge Host). */
async function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const r = await rawRequest(url, options);
  return { ...r, json: () => JSON.parse(r.body) };
}

/** The refusal of a WebSocket handshake: its status and wsh error code. */
async function refusedUpgrade(url: string, options: Parameters<typeof connectTestClient>[1]) {
  const err = await connectTestClient(url, options).then(
    (c) => {
      void c.close();
      throw new Error(`${url} opened`);
    },
    (e: { status?: number; body?: string }) => e,
  );
  return { status: err.status, code: err.body ? JSON.parse(err.body).error?.code : undefined };
}

/** Sends a marker through the owner's input and waits for its echo: every earlier input has run by then. */
async function settled(s: Started, headers: Record<string, string> = {}) {
  const marker = `DONE${Math.random().toString(36).slice(2, 8)}`;
  const r = await http(`${s.url}/input`, {
    method: "POST",
    headers,
    body: `echo ${marker.slice(0, 4)}''${marker.slice(4)}\r`,
  });
  expect(r.status).toBe(204);
  await waitForScreen(s, marker).catch((e) => {
    throw new Error(`${e.message}: ${screenText(s)}`);
  });
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe("access guard (Origin and Host) on every route", () => {
  test("a foreign Origin is refused with 403 before the upgrade on /ws/raw and /ws/json", async () => {
    const s = await startShell();
    for (const path of ["/ws/raw", "/ws/json"]) {
      expect(await refusedUpgrade(`${wsBase(s)}${path}`, { origin: EVIL })).toEqual({
        status: 403,
        code: "origin_not_allowed",
      });
    }
    expect(s.raw.endpoint.stats).toMatchObject({ accepted: 0, connections: 0 });
    expect(s.json.endpoint.stats).toMatchObject({ accepted: 0, connections: 0 });
    // A rebinding page (foreign Host) is refused too, on upgrades and on unknown paths alike.
    expect(await refusedUpgrade(`${wsBase(s)}/ws/raw`, { headers: { host: "evil.example" } })).toMatchObject({
      status: 403,
      code: "host_not_allowed",
    });
    expect((await refusedUpgrade(`${wsBase(s)}/nope`, { origin: EVIL })).status).toBe(403);
  });

  test("a cross-site text/plain POST /input is refused with 403 and never reaches the shell", async () => {
    const dir = tempDir("wsh-security-");
    const s = await startShell({ cwd: dir });
    const attack = await http(`${s.url}/input`, {
      method: "POST",
      headers: { origin: EVIL, "content-type": "text/plain" },
      body: "touch pwned\r",
    });
    expect(attack.status).toBe(403);
    expect(attack.json()).toEqual({
      error: { code: "origin_not_allowed", message: `Origin not allowed: '${EVIL}'.` },
    });
    expect(attack.headers["access-control-allow-origin"]).toBeUndefined();
    // An old engine that leaves Origin out but says the request is cross-site: refused as well.
    const noOrigin = await http(`${s.url}/input`, {
      method: "POST",
      headers: { "sec-fetch-site": "cross-site", "content-type": "text/plain" },
      body: "touch pwned2\r",
    });
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.json().error.code).toBe("cross_site_refused");
    // Other state-changing routes are refused the same way.
    for (const path of ["/resize", "/input/capture", "/input/release"]) {
      const r = await http(`${s.url}${path}`, {
        method: "POST",
        headers: { origin: EVIL },
        body: '{"cols":50,"rows":10}',
      });
      expect([path, r.status]).toEqual([path, 403]);
    }
    // The same command from a legitimate client runs (so the refused one would have left a file).
    await input(s, "touch legit\r");
    await settled(s);
    expect(existsSync(join(dir, "legit"))).toBe(true);
    expect(existsSync(join(dir, "pwned"))).toBe(false);
    expect(existsSync(join(dir, "pwned2"))).toBe(false);
    expect(s.session.emulator.screen("plain")).toMatchObject({ cols: 80, rows: 24 });
    expect((await (await fetch(`${s.url}/input/mode`)).json()).mode).toBe("passthrough");
  });

  test("Host: evil.example (DNS rebinding) gets 403 on GET /screen and every other route", async () => {
    const s = await startShell();
    const port = new URL(s.url).port;
    for (const host of ["evil.example", `evil.example:${port}`]) {
      const r = await http(`${s.url}/screen`, { headers: { host } });
      expect(r.status).toBe(403);
      expect(r.json().error.code).toBe("host_not_allowed");
    }
    for (const path of ["/health", "/scrollback", "/input/mode", "/nonexistent"]) {
      expect([path, (await http(`${s.url}${path}`, { headers: { host: "evil.example" } })).status]).toEqual([
        path,
        403,
      ]);
    }
    // Names of this machine pass.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `wsh.localhost:${port}`]) {
      expect([host, (await http(`${s.url}/screen`, { headers: { host } })).status]).toEqual([host, 200]);
    }
  });

  test("the server's own page and non-browser clients keep working (REST and both sockets)", async () => {
    const dir = tempDir("wsh-security-");
    const s = await startShell({ cwd: dir });
    const own = s.url; // http://127.0.0.1:PORT
    expect((await http(`${s.url}/screen`, { headers: { origin: own } })).status).toBe(200);
    expect(
      (await http(`${s.url}/input`, { method: "POST", headers: { origin: own }, body: "touch same\r" })).status,
    ).toBe(204);
    expect((await http(`${s.url}/screen`)).status).toBe(200); // no Origin: curl, scripts
    const raw = await connectTestClient(`${wsBase(s)}/ws/raw`, { origin: own });
    const json = await connectTestClient(`${wsBase(s)}/ws/json`, { origin: own });
    expect(await json.nextJson()).toEqual({ connected: true });
    raw.send("touch fromraw\r");
    await settled(s);
    expect(existsSync(join(dir, "same"))).toBe(true);
    expect(existsSync(join(dir, "fromraw"))).toBe(true);
    await raw.close();
    await json.close();
  });

  test("allowedOrigins and allowedHosts open it to a listed dev server and name, with CORS for the origin", async () => {
    const dev = "http://localhost:5173";
    const s = await startShell({ allowedOrigins: [dev], allowedHosts: ["wsh.lan"] });
    const port = new URL(s.url).port;
    const preflight = await http(`${s.url}/input`, {
      method: "OPTIONS",
      headers: {
        origin: dev,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(dev);
    expect(String(preflight.headers["access-control-allow-methods"])).toContain("POST");
    const post = await http(`${s.url}/input`, { method: "POST", headers: { origin: dev }, body: "echo DE''V\r" });
    expect(post.status).toBe(204);
    expect(post.headers["access-control-allow-origin"]).toBe(dev);
    await waitForScreen(s, "DEV");
    const raw = await connectTestClient(`${wsBase(s)}/ws/raw`, { origin: dev });
    await raw.close();
    // Still refused: other origins (preflight included) and other hosts.
    expect(
      (
        await http(`${s.url}/input`, {
          method: "OPTIONS",
          headers: { origin: EVIL, "access-control-request-method": "POST" },
        })
      ).status,
    ).toBe(403);
    expect((await refusedUpgrade(`${wsBase(s)}/ws/json`, { origin: EVIL })).status).toBe(403);
    expect((await http(`${s.url}/screen`, { headers: { host: `wsh.lan:${port}` } })).status).toBe(200);
    expect((await http(`${s.url}/screen`, { headers: { host: `other.lan:${port}` } })).status).toBe(403);

    const open = await startShell({ allowedOrigins: "*" });
    expect((await http(`${open.url}/screen`, { headers: { origin: EVIL } })).status).toBe(200);
  });

  test("the Host check follows the bind: a LAN bind accepts its own address, a fixed bindHost wins", async () => {
    const lan = await startWshServer({ command: "/bin/sh", host: "0.0.0.0", port: 0, token: "t", heartbeatMs: false });
    trackLeftover(() => lan.close());
    const port = new URL(lan.url).port;
    const viaLan = await http(`http://127.0.0.1:${port}/screen`, {
      headers: { host: `192.0.2.7:${port}`, ...bearer("t") },
    });
    expect(viaLan.status).toBe(200);
    expect((await http(`http://127.0.0.1:${port}/screen`, { headers: { origin: EVIL, ...bearer("t") } })).status).toBe(
      403,
    );

    const pinned = new WshServer({ command: "/bin/sh", bindHost: "127.0.0.1", token: "t", heartbeatMs: false });
    trackLeftover(() => pinned.close());
    const l = await pinned.listen({ host: "0.0.0.0", port: 0 });
    const r = await http(`http://127.0.0.1:${l.port}/screen`, {
      headers: { host: `192.0.2.7:${l.port}`, ...bearer("t") },
    });
    expect(r.status).toBe(403);
  });

  test("a mount shares the host's guard; unknown sub-paths are declined so the router answers 404", async () => {
    const guard = new AccessGuard({ bindHost: "127.0.0.1", allowedOrigins: ["http://app.example"] });
    const wsh = new WshServer({ command: "/bin/sh", basePath: "/wsh", access: guard, heartbeatMs: false });
    trackLeftover(() => wsh.close());
    expect(wsh.access).toBe(guard);
    const router = new UpgradeRouter().add("/wsh/*", wsh);
    const server = createHttpServer((req, res) => {
      if (!wsh.handleRequest(req, res)) res.writeHead(404).end();
    });
    router.attach(server);
    const l = await listen(server, { port: 0 });
    trackLeftover(() => closeHttpServer(server));
    const ws = l.url.replace(/^http/, "ws");
    expect((await refusedUpgrade(`${ws}/wsh/nope`, {})).status).toBe(404);
    expect((await refusedUpgrade(`${ws}/wsh/ws/raw`, { origin: EVIL })).status).toBe(403);
    const ok = await connectTestClient(`${ws}/wsh/ws/json`, { origin: "http://app.example" });
    expect(await ok.nextJson()).toEqual({ connected: true });
    await ok.close();
    expect((await http(`${l.url}/wsh/screen`, { headers: { host: "evil.example" } })).status).toBe(403);
    expect((await http(`${l.url}/wsh/screen`, { headers: { origin: "http://app.example" } })).status).toBe(200);
  });
});

describe("token roles: owner and viewer", () => {
  test("a viewer reads /screen, /scrollback and both streams, but its input, keystrokes and resizes are refused", async () => {
    const dir = tempDir("wsh-security-");
    const s = await startShell({ cwd: dir, token: "owner-t", viewerToken: "viewer-t" });
    const owner = bearer("owner-t");
    const viewer = bearer("viewer-t");
    for (const path of ["/screen?format=plain", "/scrollback?limit=5", "/input/mode", "/health"]) {
      expect([path, (await http(`${s.url}${path}`, { headers: viewer })).status]).toEqual([path, 200]);
    }
    expect((await http(`${s.url}/screen?token=viewer-t`)).status).toBe(200);

    // Every state-changing route: 403 read_only, nothing happens.
    const refused = [
      ["/input", "touch byviewer\r"],
      ["/resize", '{"cols":50,"rows":10}'],
      ["/input/capture", ""],
      ["/input/release", ""],
    ];
    for (const [path, body] of refused) {
      const r = await http(`${s.url}${path}`, { method: "POST", headers: viewer, ...(body ? { body } : {}) });
      expect([path, r.status, r.json().error.code]).toEqual([path, 403, "read_only"]);
    }
    expect(s.session.emulator.screen("plain")).toMatchObject({ cols: 80, rows: 24 });
    expect(s.session.inputMode).toBe("passthrough");

    // The raw stream: the viewer sees live output (repaint first)...
    const raw = await connectTestClient(`${wsBase(s)}/ws/raw?token=viewer-t`);
    await raw.next(); // the repaint
    await http(`${s.url}/input`, { method: "POST", headers: owner, body: "echo LI''VE\r" });
    await waitFor(() => bytesText(raw.received).includes("LIVE"), { message: "viewer sees output" });
    // ...and its first keystroke closes it with 4403 before anything reaches the PTY.
    raw.send("touch rawviewer\r");
    expect(await raw.closed).toEqual({ code: 4403, reason: "read-only: viewer token cannot send input" });

    // /ws/json: subscribing is reading, so a viewer gets connected, the ack and the sync.
    const json = await connectTestClient(`${wsBase(s)}/ws/json`, { headers: viewer });
    expect(await json.nextJson()).toEqual({ connected: true });
    json.send({ events: ["lines"], format: "plain" });
    expect(await json.nextJson()).toEqual({ subscribed: ["lines"] });
    expect((await json.nextJson()).event).toBe("sync");
    await json.close();

    await settled(s, owner);
    expect(existsSync(join(dir, "byviewer"))).toBe(false);
    expect(existsSync(join(dir, "rawviewer"))).toBe(false);
  });

  test("the owner can do everything; no token is 401, a wrong one 403, on REST and upgrades", async () => {
    const dir = tempDir("wsh-security-");
    const s = await startShell({ cwd: dir, token: "owner-t", viewerToken: "viewer-t" });
    const owner = bearer("owner-t");
    expect((await http(`${s.url}/input`, { method: "POST", headers: owner, body: "touch byowner\r" })).status).toBe(
      204,
    );
    const raw: TestClient = await connectTestClient(`${wsBase(s)}/ws/raw`, { headers: owner });
    raw.send("touch byownerraw\r");
    expect((await http(`${s.url}/input/capture`, { method: "POST", headers: owner })).status).toBe(204);
    expect((await http(`${s.url}/input/release`, { method: "POST", headers: owner })).status).toBe(204);
    await settled(s, owner);
    expect(existsSync(join(dir, "byowner"))).toBe(true);
    expect(existsSync(join(dir, "byownerraw"))).toBe(true);
    const resize = await http(`${s.url}/resize`, { method: "POST", headers: owner, body: '{"cols":60,"rows":12}' });
    expect(resize.status).toBe(204);
    expect(s.session.emulator.screen("plain")).toMatchObject({ cols: 60, rows: 12 });
    await raw.close();

    const none = await http(`${s.url}/screen`);
    expect([none.status, none.json().error.code]).toEqual([401, "auth_required"]);
    const wrong = await http(`${s.url}/screen`, { headers: bearer("guess") });
    expect([wrong.status, wrong.json().error.code]).toEqual([403, "auth_invalid"]);
    expect(await refusedUpgrade(`${wsBase(s)}/ws/raw`, {})).toEqual({ status: 401, code: "auth_required" });
    expect(await refusedUpgrade(`${wsBase(s)}/ws/json?token=guess`, {})).toEqual({ status: 403, code: "auth_invalid" });
    // The guard comes first: even the owner's token does not let a foreign page in.
    expect(
      (await http(`${s.url}/input`, { method: "POST", headers: { ...owner, origin: EVIL }, body: "x" })).status,
    ).toBe(403);
  });

  test("a viewer token alone makes a read-only server: reading needs it, nobody writes over the network", async () => {
    const s = await startShell({ viewerToken: "viewer-t" });
    expect((await http(`${s.url}/screen`)).status).toBe(401);
    expect((await http(`${s.url}/screen`, { headers: bearer("viewer-t") })).status).toBe(200);
    expect((await http(`${s.url}/input`, { method: "POST", headers: bearer("viewer-t"), body: "x" })).status).toBe(403);
    expect(() => new WshServer({ command: "/bin/true", token: "same", viewerToken: "same" })).toThrow(/differ/);
  });

  test("authorize and resolveAuthToken: roles, and tokens enforced on loopback once a viewer token is set", () => {
    const req = (token?: string) => ({ headers: token ? { authorization: `Bearer ${token}` } : {}, url: "/screen" });
    const tokens = { token: "o", viewerToken: "v" };
    expect([authorize(req("o"), tokens), authorize(req("v"), tokens), authorize(req(), tokens)]).toEqual([
      "owner",
      "viewer",
      "auth_required",
    ]);
    expect(authorize(req("x"), tokens)).toBe("auth_invalid");
    expect(authorize(req("v"), {})).toBe("owner"); // no auth configured: everyone is the owner

    expect(resolveAuthToken({ host: "127.0.0.1", token: "t" })).toEqual({ token: undefined, generated: false });
    expect(resolveAuthToken({ host: "127.0.0.1", token: "t", viewerToken: "v" })).toEqual({
      token: "t",
      viewerToken: "v",
      generated: false,
    });
    const g = resolveAuthToken({ host: "::1", envViewerToken: "v" });
    expect(g).toMatchObject({ viewerToken: "v", generated: true });
    expect(g.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(resolveAuthToken({ host: "0.0.0.0", envToken: "e", envViewerToken: "v" })).toEqual({
      token: "e",
      viewerToken: "v",
      generated: false,
    });
    expect(() => resolveAuthToken({ host: "0.0.0.0", token: "same", viewerToken: "same" })).toThrow(/differ/);
  });
});

describe("CLI: --allow-origin, --allow-host, --viewer-token", () => {
  test("flags parse: repeatable, comma-separated, validated", () => {
    const a = parseArgs([
      "--allow-origin",
      "http://localhost:5173/,https://app.example",
      "--allow-origin=http://[::1]:3000",
      "--allow-host",
      "wsh.lan",
      "--allow-host=box.local, 10.0.0.5",
      "--viewer-token",
      "v",
    ]);
    expect(a).toMatchObject({
      allowOrigins: ["http://localhost:5173", "https://app.example", "http://[::1]:3000"],
      allowHosts: ["wsh.lan", "box.local", "10.0.0.5"],
      viewerToken: "v",
    });
    expect(parseArgs(["--allow-origin", "*"]).allowOrigins).toEqual(["*"]);
    expect(parseArgs([])).toMatchObject({ allowOrigins: [], allowHosts: [], viewerToken: undefined });
    for (const bad of [
      ["--allow-origin", "evil.example"],
      ["--allow-origin", "http://a.example/path"],
      ["--allow-origin", "a,,b"],
      ["--allow-host", ""],
      ["--viewer-token"],
    ]) {
      expect(() => parseArgs(bad)).toThrow(UsageError);
    }
  });

  // Starts the CLI with tsx: a few seconds on a loaded machine.
  test("the CLI applies them: guard on REST and upgrades, $WSH_VIEWER_TOKEN enforces tokens on loopback", {
    timeout: 120_000,
  }, async () => {
    const cli = spawnScript(
      "src/cli/wsh.ts",
      [
        "--headless",
        "--bind",
        "127.0.0.1:0",
        "--token",
        "own",
        "--allow-origin",
        "http://a.example,http://b.example",
        "--allow-host",
        "wsh.lan",
        "--",
        "/bin/sh",
      ],
      {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        env: { ...process.env, PS1: "$ ", ENV: "", WSH_VIEWER_TOKEN: "view" },
      },
    );
    const [, url] = await cli.line(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/, 60_000);
    const base = url as string;
    const port = new URL(base).port;
    expect((await http(`${base}/screen`)).status).toBe(401); // tokens enforced on loopback: a viewer token is set
    expect((await http(`${base}/screen`, { headers: bearer("view") })).status).toBe(200);
    const ro = await http(`${base}/input`, { method: "POST", headers: bearer("view"), body: "x" });
    expect([ro.status, ro.json().error.code]).toEqual([403, "read_only"]);
    const allowed = await http(`${base}/input`, {
      method: "POST",
      headers: { ...bearer("own"), origin: "http://b.example" },
      body: "echo CL''I\r",
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers["access-control-allow-origin"]).toBe("http://b.example");
    const evil = await http(`${base}/input`, {
      method: "POST",
      headers: { ...bearer("own"), origin: EVIL },
      body: "x",
    });
    expect(evil.status).toBe(403);
    expect((await http(`${base}/screen`, { headers: { ...bearer("own"), host: `wsh.lan:${port}` } })).status).toBe(200);
    expect((await http(`${base}/screen`, { headers: { ...bearer("own"), host: "evil.example" } })).status).toBe(403);
    const ws = base.replace(/^http/, "ws");
    expect(await refusedUpgrade(`${ws}/ws/raw?token=own`, { origin: EVIL })).toMatchObject({ status: 403 });
    const raw = await connectTestClient(`${ws}/ws/raw?token=view`, { origin: "http://a.example" });
    raw.send("x");
    expect((await raw.closed).code).toBe(4403);
    await waitFor(
      async () => (await http(`${base}/screen?format=plain`, { headers: bearer("view") })).body.includes("CLI"),
      { timeoutMs: 30_000 },
    );
    cli.child.kill("SIGTERM");
    expect(await cli.exit).toEqual({ code: 0, signal: null });
  });
});
