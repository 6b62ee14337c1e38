import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeHttpServer, listen, UpgradeRouter } from "@proj/ws-core/server";
import { connectTestClient, disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { encodeFrame } from "../src/index.js";
import { Box } from "../src/schemas/index.js";
import { upsertEvent, Vuer } from "../src/server/index.js";
import { rawPeer, startVuer, vuerClient, nodesOf } from "./helpers.js";

afterEach(disposeLeftovers);

const httpUrl = (ws: string) => ws.replace(/^ws/, "http");
const msgpack = { "Content-Type": "application/msgpack" };

describe("HTTP routes", () => {
  test("GET / without Upgrade serves a page naming the socket", async () => {
    const { url } = await startVuer();
    const res = await fetch(`${httpUrl(url)}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain(url);
  });

  test("request targets that are not valid URLs get 404, as plain requests and as upgrades; the server carries on", async () => {
    const { url, errors } = await startVuer();
    const { port } = new URL(url);
    const upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n";
    for (const target of ["//", "//a:b@", "http://[::1"]) {
      for (const extra of ["", `${upgrade}Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n`]) {
        const reply = await rawHttp(Number(port), `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`);
        expect(reply.split("\r\n")[0], `${target} ${extra ? "upgrade" : "plain"}`).toBe("HTTP/1.1 404 Not Found");
      }
    }
    expect(errors).toEqual([]);
    const peer = await rawPeer(url);
    await peer.close();
  });

  test("/workspace/* serves files from the workspace, never outside it; ?hot disables caching", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vuer-ws-"));
    writeFileSync(join(dir, "scene.txt"), "hello workspace");
    const { app, url } = await startVuer({ workspace: dir });
    app.workspace.link(() => JSON.stringify({ ok: 1 }), "/dynamic.json");
    const base = httpUrl(url);
    const file = await fetch(`${base}/workspace/scene.txt`);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("hello workspace");
    expect(file.headers.get("cache-control")).toBeNull();
    const hot = await fetch(`${base}/workspace/scene.txt?hot`);
    expect(hot.headers.get("cache-control")).toBe("no-cache");
    await hot.text();
    const linked = await fetch(`${base}/workspace/dynamic.json`);
    expect(await linked.json()).toEqual({ ok: 1 });
    expect((await fetch(`${base}/workspace/missing.txt`)).status).toBe(404);
    expect((await fetch(`${base}/workspace/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    expect((await fetch(`${base}/nothing-here`)).status).toBe(404);
  });

  test("WebSocket upgrades on other paths get 404", async () => {
    const { url } = await startVuer();
    await expect(connectTestClient(`${url}/ws`)).rejects.toMatchObject({ status: 404 });
  });

  test("CORS: an allowed Origin is echoed without credentials; preflights are answered for it only", async () => {
    const { url } = await startVuer({ cors: "https://vuer.ai" });
    const base = httpUrl(url);
    const ok = await fetch(`${base}/`, { headers: { Origin: "https://vuer.ai" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://vuer.ai");
    expect(ok.headers.get("access-control-allow-credentials")).toBeNull();
    const other = await fetch(`${base}/`, { headers: { Origin: "https://evil.example" } });
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await fetch(`${base}/relay`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://vuer.ai",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(pre.headers.get("access-control-allow-headers")).toContain("Content-Type");
  });

  test("the CORS list also decides which browser origins may open the WebSocket", async () => {
    const { url } = await startVuer({ cors: "https://vuer.ai" });
    await expect(connectTestClient(url, { origin: "https://evil.example" })).rejects.toMatchObject({ status: 403 });
    const ok = await connectTestClient(url, { origin: "https://vuer.ai" });
    const script = await connectTestClient(url); // no Origin: not a browser
    await ok.close();
    await script.close();
  });

  test("the default list trusts the hosted viewer (https://vuer.ai) and refuses other origins", async () => {
    const { url } = await startVuer();
    const res = await fetch(`${httpUrl(url)}/`, { headers: { Origin: "https://vuer.ai" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://vuer.ai");
    expect((await fetch(`${httpUrl(url)}/`, { headers: { Origin: "http://anything.test" } })).status).toBe(403);
  });
});

describe("/relay", () => {
  test("POSTed msgpack events reach one session by sid, or every session with *", async () => {
    const { app, url } = await startVuer();
    const a = await vuerClient(url);
    const b = await vuerClient(url);
    await waitSessions(app, 2);
    // Sessions are created in connection order: the first is a's.
    const [sa] = [...app.sessions.values()];
    const frame = encodeFrame(upsertEvent(Box({ key: "relayed" })));
    const one = await fetch(`${httpUrl(url)}/relay?sid=${sa?.id}`, { method: "POST", body: frame, headers: msgpack });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ ok: true, delivered: 1 });
    const all = await fetch(`${httpUrl(url)}/relay?sid=*`, {
      method: "POST",
      body: encodeFrame(upsertEvent(Box({ key: "all" }))),
      headers: msgpack,
    });
    expect(await all.json()).toEqual({ ok: true, delivered: 2 });
    const got = await a.recv({ timeoutMs: 5000 });
    expect(nodesOf(got)[0]?.key).toBe("relayed");
    expect((await a.recv({ timeoutMs: 5000 }))?.data).toMatchObject({ nodes: [{ key: "all" }] });
    expect((await b.recv({ timeoutMs: 5000 }))?.data).toMatchObject({ nodes: [{ key: "all" }] });
  });

  test("missing sid, unknown sid and a body that is not an event get 400; GET gets 405", async () => {
    const { url } = await startVuer();
    const base = httpUrl(url);
    const body = encodeFrame(upsertEvent(Box({ key: "x" })));
    const headers = msgpack;
    expect((await fetch(`${base}/relay`, { method: "POST", body, headers })).status).toBe(400);
    expect((await fetch(`${base}/relay?sid=nope`, { method: "POST", body, headers })).status).toBe(400);
    const peer = await rawPeer(url);
    const bad = new Uint8Array([0xc1]);
    expect((await fetch(`${base}/relay?sid=*`, { method: "POST", body: bad, headers })).status).toBe(400);
    expect((await fetch(`${base}/relay?sid=*`, { method: "POST", body: "{}", headers })).status).toBe(400);
    expect((await fetch(`${base}/relay?sid=*`)).status).toBe(405);
    await peer.close();
  });

  test("bodies over requestMaxSize get 413", async () => {
    const { url } = await startVuer({ requestMaxSize: 100 });
    const res = await fetch(`${httpUrl(url)}/relay?sid=*`, {
      method: "POST",
      body: new Uint8Array(1000),
      headers: msgpack,
    });
    expect(res.status).toBe(413);
  });
});

describe("mounting on a shared HTTP server", () => {
  test("handleUpgrade and handleRequest under a base path, routed by ws-core's UpgradeRouter", async () => {
    const app = new Vuer({ basePath: "/vuer", heartbeatMs: false, env: {} });
    app.addHandler("HELLO", (_e, s) => s.upsert(Box({ key: "mounted" })));
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (app.matches(path)) return app.handleRequest(req, res);
      res.writeHead(200).end("other app");
    });
    const router = new UpgradeRouter().add("/vuer", app).add("/vuer/*", app);
    router.attach(server);
    const l = await listen(server, { port: 0 });
    trackLeftover(async () => {
      await app.close({ graceMs: 100 });
      await closeHttpServer(server);
    });
    expect(await (await fetch(`${l.url}/elsewhere`)).text()).toBe("other app");
    expect((await fetch(`${l.url}/vuer`)).status).toBe(200);
    expect((await fetch(`${l.url}/vuer/nothing`)).status).toBe(404);
    const c = await vuerClient(`${l.wsUrl}/vuer`);
    await c.send({ etype: "HELLO" });
    expect((await c.recv({ timeoutMs: 5000 }))?.data).toMatchObject({ nodes: [{ key: "mounted" }] });
    await expect(connectTestClient(`${l.wsUrl}/vuer/other`)).rejects.toMatchObject({ status: 404 });
    await c.close();
  });
});

describe("shared scene", () => {
  test("operations fan out to every subscriber; a late subscriber gets the current scene", async () => {
    const { app, url } = await startVuer();
    app.scene.set({
      tag: "Scene",
      key: "scene",
      up: [0, 1, 0],
      children: [Box({ key: "box", position: [0, 0.5, 0] })],
    });
    app.spawn(async (s) => {
      app.scene.subscribe(s);
      await s.forever();
    });
    app.addHandler("MOVE", (ev) => {
      app.scene.upsert(Box({ key: "box", position: ev.value }));
    });
    const script = await vuerClient(url);
    const viewer = await rawPeer(url, { client: "browser" });
    expect((await viewer.nextEvent()).etype).toBe("SET");
    await script.send({ etype: "MOVE", value: [1, 2, 3] });
    const up = await viewer.nextEvent((e) => e.etype === "UPSERT");
    expect(nodesOf(up)[0]?.position).toEqual([1, 2, 3]);
    const late = await vuerClient(url);
    await waitForScene(late, [1, 2, 3]);
    expect(app.scene.graph.find("box")?.position).toEqual([1, 2, 3]);
  });
});

async function waitSessions(app: Vuer, n: number): Promise<void> {
  await waitFor(() => app.sessions.size === n);
}

async function waitForScene(client: Awaited<ReturnType<typeof vuerClient>>, position: number[]): Promise<void> {
  await waitFor(() => JSON.stringify(client.scene.find("box")?.position) === JSON.stringify(position));
}

/** Sends one raw request and resolves with everything the server wrote back until it closed or went quiet. */
function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let out = "";
    socket.on("data", (d) => {
      out += d.toString();
      if (out.includes("\r\n\r\n")) socket.destroy(); // the head is all the test needs
    });
    socket.on("close", () => resolve(out));
    socket.on("error", reject);
  });
}
