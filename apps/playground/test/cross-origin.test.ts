// Trust boundaries in a real browser: a page from another origin (another port on 127.0.0.1) tries what
// a malicious site would against the local servers (a "simple" no-cors POST that needs no preflight, and
// WebSockets, which browsers never preflight). Nothing may run. The same page from an allowed origin works.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CardsharpServer } from "@proj/cardsharp/server";
import { startBridgeServer } from "@proj/chrome-bridge/server";
import { closeHttpServer, listen } from "@proj/ws-core/server";
import {
  CHROMIUM_ARGS,
  chromiumPath,
  connectTestClient,
  rawRequest,
  type TestClient,
  waitFor,
} from "@proj/ws-core/testing";
import { startWshServer } from "@proj/wsh/server";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Playground, startPlayground } from "../server/host.js";
import { mountBlackjack } from "../server/protocols/cardsharp.js";
import { mountBrowser } from "../server/protocols/chrome-bridge.js";
import { mountKvm } from "../server/protocols/pikvm.js";
import { mountScene } from "../server/protocols/vuer.js";
import { mountTerminal } from "../server/protocols/wsh.js";

interface Attack {
  /** A name for the result. */
  name: string;
  kind: "post" | "ws";
  url: string;
  /** POST body, or the first frame sent once a socket opens. */
  body: string;
  /** kvmd's own login stands behind the access guard: even an allowed page gets 401 without credentials. */
  needsLogin?: boolean;
}

/** The attacking page: every attempt's outcome lands in window.results (opaque "sent" for no-cors POSTs). */
const PAGE = `<!doctype html><title>a page from another site</title><script>
window.results = {};
window.attack = async (attacks) => {
  await Promise.all(attacks.map((a) => a.kind === "post"
    ? fetch(a.url, { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: a.body })
        .then(() => { results[a.name] = "sent"; }, () => { results[a.name] = "network-error"; })
    : new Promise((done) => {
        const ws = new WebSocket(a.url);
        ws.onopen = () => { results[a.name] = "open"; ws.send(a.body); setTimeout(() => { ws.close(); done(); }, 300); };
        ws.onerror = () => { results[a.name] ??= "failed"; done(); };
        ws.onclose = () => { results[a.name] ??= "failed"; done(); };
      })));
  return results;
};
</script>`;

/** A plain HTTP server on its own port (its own origin) serving the page and recording every path it is asked for. */
async function pageServer() {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "/");
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(PAGE);
  });
  const l = await listen(server);
  return { server, url: l.url, hits };
}

/** A stand-in executor on a bridge's WebSocket: records the commands it is sent and answers them. */
async function fakeExecutor(wsUrl: string): Promise<TestClient & { commands: unknown[] }> {
  const client = await connectTestClient(wsUrl);
  const commands: unknown[] = [];
  client.ws.on("message", (raw) => {
    const m = JSON.parse(raw.toString());
    if (m.type !== "command") return;
    commands.push(m.command);
    client.send({ type: "command_response", success: true, command_id: m.command.command_id, data: {}, error: null });
  });
  return Object.assign(client, { commands });
}

const dir = mkdtempSync(join(tmpdir(), "playground-xorigin-"));
const file = (name: string) => join(dir, name);
let evil: Awaited<ReturnType<typeof pageServer>>;
let good: Awaited<ReturnType<typeof pageServer>>;
let browser: Browser;
let playground: Playground;
let wsh: Awaited<ReturnType<typeof startWshServer>>;
let bridge: Awaited<ReturnType<typeof startBridgeServer>>;
let bridgeExecutor: Awaited<ReturnType<typeof fakeExecutor>>;
let cardsharp: CardsharpServer;
let cardsharpUrl: string;
const servers: Server[] = [];

beforeAll(async () => {
  evil = await pageServer();
  good = await pageServer();
  servers.push(evil.server, good.server);
  const trusted = { allowedOrigins: [good.url] };
  playground = await startPlayground({
    webRoot: dir,
    mounts: [mountTerminal, mountKvm, mountScene, mountBlackjack, mountBrowser],
    ...trusted,
  });
  wsh = await startWshServer({ command: "/bin/sh", cwd: dir, ...trusted });
  bridge = await startBridgeServer({ port: 0, wsPort: 0, heartbeat: false, ...trusted });
  bridgeExecutor = await fakeExecutor(bridge.addresses.restWsUrl);
  cardsharp = new CardsharpServer({ bots: 0, ...trusted });
  cardsharpUrl = (await cardsharp.listen()).wsUrl;
  browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
});

afterAll(async () => {
  await browser?.close();
  bridgeExecutor?.ws.close();
  await Promise.allSettled([playground?.close(), wsh?.close(), bridge?.close(), cardsharp?.close()]);
  await Promise.all(servers.map((s) => closeHttpServer(s)));
  rmSync(dir, { recursive: true, force: true });
});

/** What each origin's page tries; `tag` keeps the two runs' effects apart. */
function attacks(tag: string, marker: string): Attack[] {
  const p = playground.url;
  const pw = p.replace(/^http/, "ws");
  const command = (url: string) => JSON.stringify({ type: "tab", action: "open", url });
  return [
    { name: "wsh POST /input", kind: "post", url: `${wsh.url}/input`, body: `touch ${file(`${tag}-rest`)}\r` },
    {
      name: "wsh /ws/raw",
      kind: "ws",
      url: `${wsh.url.replace(/^http/, "ws")}/ws/raw`,
      body: `touch ${file(`${tag}-raw`)}\r`,
    },
    { name: "wsh /ws/json", kind: "ws", url: `${wsh.url.replace(/^http/, "ws")}/ws/json`, body: "{}" },
    {
      name: "bridge POST /command",
      kind: "post",
      url: `${bridge.addresses.url}/command`,
      body: command(`${marker}/bridge`),
    },
    { name: "bridge /ws", kind: "ws", url: bridge.addresses.restWsUrl, body: "{}" },
    { name: "cardsharp", kind: "ws", url: cardsharpUrl, body: JSON.stringify({ type: "connect" }) },
    {
      name: "playground POST /wsh/input",
      kind: "post",
      url: `${p}/wsh/input`,
      body: `touch ${file(`${tag}-pg-rest`)}\r`,
    },
    { name: "playground /wsh/ws/raw", kind: "ws", url: `${pw}/wsh/ws/raw`, body: `touch ${file(`${tag}-pg-raw`)}\r` },
    {
      name: "playground POST /bridge/command",
      kind: "post",
      url: `${p}/bridge/command`,
      body: command(`${marker}/pg-bridge`),
    },
    { name: "playground /bridge/ws", kind: "ws", url: `${pw}/bridge/ws`, body: "{}" },
    { name: "playground /vuer", kind: "ws", url: `${pw}/vuer`, body: "" },
    { name: "playground /cardsharp", kind: "ws", url: `${pw}/cardsharp`, body: JSON.stringify({ type: "connect" }) },
    { name: "playground /pikvm/api/ws", kind: "ws", url: `${pw}/pikvm/api/ws`, body: "{}", needsLogin: true },
  ];
}

async function runFrom(origin: string, tag: string): Promise<Record<string, string>> {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/attack.html`);
    return await page.evaluate((a) => (window as any).attack(a), attacks(tag, good.url));
  } finally {
    await page.close();
  }
}

describe("a page from another origin", () => {
  test("cannot run commands, open sockets or drive the browser; the same page from an allowed origin can", async () => {
    const bridgeCommandsBefore = bridgeExecutor.commands.length;
    const refused = await runFrom(evil.url, "evil");
    // Every socket failed to open (403 before the upgrade); no-cors POSTs are opaque to the page ("sent").
    for (const a of attacks("evil", good.url)) {
      expect([a.name, refused[a.name]]).toEqual([a.name, a.kind === "ws" ? "failed" : "sent"]);
    }
    // ...and had no effect on the servers.
    for (const name of ["evil-rest", "evil-raw", "evil-pg-rest", "evil-pg-raw"])
      expect(existsSync(file(name))).toBe(false);
    expect(bridgeExecutor.commands.length).toBe(bridgeCommandsBefore);

    const allowed = await runFrom(good.url, "good");
    for (const a of attacks("good", good.url)) {
      if (a.kind === "ws") expect([a.name, allowed[a.name]]).toEqual([a.name, a.needsLogin ? "failed" : "open"]);
    }
    // Where a login stands behind the guard, the guard refuses the foreign page (403) and lets the allowed
    // one through to the login (401).
    const kvm = `${playground.url.replace(/^http/, "ws")}/pikvm/api/ws`;
    const status = (origin: string) =>
      connectTestClient(kvm, { origin }).then(
        () => 101,
        (e) => e.status,
      );
    expect(await status(evil.url)).toBe(403);
    expect(await status(good.url)).toBe(401);
    // The allowed page's POSTs and keystrokes did run: the files appear, the commands reach the executors
    // (the playground's real Chromium opens the marker URL on the allowed page's server).
    await waitFor(() => ["good-rest", "good-raw", "good-pg-rest", "good-pg-raw"].every((n) => existsSync(file(n))), {
      timeoutMs: 20_000,
    });
    expect(bridgeExecutor.commands).toContainEqual(expect.objectContaining({ type: "tab", url: `${good.url}/bridge` }));
    await waitFor(() => good.hits.includes("/pg-bridge"), { timeoutMs: 30_000 });
    // The refused run's marker URLs were never opened.
    expect(good.hits.filter((h) => h === "/pg-bridge")).toHaveLength(1);
    // Only so long after the evil run: if it had run, its files would exist by now.
    for (const name of ["evil-rest", "evil-raw", "evil-pg-rest", "evil-pg-raw"])
      expect(existsSync(file(name))).toBe(false);
  });
});

/** A GET with exactly the headers given. */
const get = (url: string, headers: Record<string, string> = {}) => rawRequest(url, { headers });

describe("the playground's own doors", () => {
  test("Host: evil.example (DNS rebinding) is refused on the info route, the HID state and upgrades", async () => {
    const host = { host: "evil.example" };
    expect((await get(`${playground.url}/api/playground`, host)).status).toBe(403);
    expect((await get(`${playground.url}/api/playground/pikvm/hid`, host)).status).toBe(403);
    const ws = await connectTestClient(`${playground.url.replace(/^http/, "ws")}/wsh/ws/raw`, { headers: host }).catch(
      (e) => e,
    );
    expect(ws.status).toBe(403);
  });

  test("the KVM's HID state needs kvmd's credentials; the password is this run's, not a default", async () => {
    const info = JSON.parse((await get(`${playground.url}/api/playground`)).body);
    expect(info.pikvm.passwd).not.toBe("admin");
    expect((await get(`${playground.url}/api/playground/pikvm/hid`)).status).toBe(401);
    const wrong = await get(`${playground.url}/api/playground/pikvm/hid`, {
      "X-KVMD-User": "admin",
      "X-KVMD-Passwd": "admin",
    });
    expect(wrong.status).toBe(403);
    const ok = await get(`${playground.url}/api/playground/pikvm/hid`, {
      "X-KVMD-User": info.pikvm.user,
      "X-KVMD-Passwd": info.pikvm.passwd,
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toHaveProperty("keys");
  });

  test("upgrades to unknown paths under a mount get 404 and leave no socket open", async () => {
    const ws = playground.url.replace(/^http/, "ws");
    const open = () => new Promise<number>((r) => playground.server.getConnections((_e, n) => r(n)));
    const before = await open();
    const paths = ["/wsh/nope", "/wsh/ws/nope", "/vuer/nope/deeper", "/nowhere"];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => connectTestClient(`${ws}${paths[i % paths.length]}`).catch((e) => e)),
    );
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([404]));
    // Every refused socket is closed by the server: back to the connections open before.
    await waitFor(async () => (await open()) <= before, { timeoutMs: 10_000 });
  });

  test("a path that is not valid percent-encoding is a 400, not a 500; dot-files are never served", async () => {
    const bad = await get(`${playground.url}/%`);
    expect(bad.status).toBe(400);
    writeFileSync(join(dir, ".secret"), "x");
    expect((await get(`${playground.url}/.secret`)).status).toBe(404);
    expect((await get(`${playground.url}/vuer/workspace/package.json`)).status).toBe(404);
  });
});
