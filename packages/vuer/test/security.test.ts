// Trust boundaries and memory limits: who may reach a Vuer server (Origin, Host, cross-site POSTs), what
// /workspace/ serves, and what one client can make the server hold.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloseCode, deferred } from "@proj/ws-core";
import { connectTestClient, disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { encodeFrame } from "../src/index.js";
import { Box, Scene } from "../src/schemas/index.js";
import { setEvent, upsertEvent, type VuerSession } from "../src/server/index.js";
import { nodesOf, rawPeer, startVuer } from "./helpers.js";

afterEach(disposeLeftovers);

const MiB = 1024 * 1024;
const httpUrl = (ws: string) => ws.replace(/^ws/, "http");
const msgpack = { "Content-Type": "application/msgpack" };

/** A raw HTTP request with exactly these headers (Host included), answered as status + body. */
function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => {
        body += c.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("who may connect (Origin)", () => {
  test("a foreign Origin's upgrade is refused with 403; https://vuer.ai, the server's own origin and scripts pass", async () => {
    const { app, url } = await startVuer();
    const { port } = new URL(url);
    const refused = await connectTestClient(url, { origin: "https://evil.example" }).catch((e) => e);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: "origin not allowed" });
    await expect(connectTestClient(url, { origin: "null" })).rejects.toMatchObject({ status: 403 });
    const hosted = await rawPeer(url);
    await hosted.close();
    const viewer = await connectTestClient(url, { origin: "https://vuer.ai" });
    const own = await connectTestClient(url, { origin: `http://127.0.0.1:${port}` });
    const local = await connectTestClient(url, {
      origin: `http://localhost:${port}`,
      headers: { host: `localhost:${port}` },
    });
    await waitFor(() => app.sessions.size === 3);
    expect(app.endpoint.stats.rejected).toBe(2);
    await Promise.all([viewer.close(), own.close(), local.close()]);
  });

  test("allowedOrigins adds origins (and replaces the default); '*' trusts every origin, without credentials", async () => {
    const { url } = await startVuer({ allowedOrigins: ["http://localhost:5173"] });
    const dev = await connectTestClient(url, { origin: "http://localhost:5173" });
    await dev.close();
    await expect(connectTestClient(url, { origin: "https://vuer.ai" })).rejects.toMatchObject({ status: 403 });
    const res = await fetch(`${httpUrl(url)}/`, { headers: { Origin: "http://localhost:5173" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");

    const open = await startVuer({ allowedOrigins: "*" });
    const anyone = await connectTestClient(open.url, { origin: "https://anything.example" });
    await anyone.close();
    const any = await fetch(`${httpUrl(open.url)}/`, { headers: { Origin: "https://anything.example" } });
    expect(any.status).toBe(200);
    expect(any.headers.get("access-control-allow-credentials")).toBeNull();

    // The environment variable (upstream's VUER_CORS) takes the same list.
    const fromEnv = await startVuer({ env: { VUER_CORS: "https://a.test, https://b.test" } });
    const b = await connectTestClient(fromEnv.url, { origin: "https://b.test" });
    await b.close();
    await expect(connectTestClient(fromEnv.url, { origin: "https://c.test" })).rejects.toMatchObject({ status: 403 });
  });

  test("a non-local Host is refused with 403 on HTTP and upgrades (DNS rebinding); allowedHosts lists more", async () => {
    const { url } = await startVuer({ allowedHosts: ["vuer.lan"] });
    const { port } = new URL(url);
    const page = await http(`${httpUrl(url)}/`, { headers: { Host: `evil.example:${port}` } });
    expect(page.status).toBe(403);
    expect(JSON.parse(page.body)).toMatchObject({ error: "host not allowed" });
    const relay = await http(`${httpUrl(url)}/relay?sid=*`, {
      method: "POST",
      headers: { Host: "evil.example", ...msgpack },
      body: encodeFrame(upsertEvent(Box({ key: "x" }))),
    });
    expect(relay.status).toBe(403);
    const ws = await connectTestClient(url, { headers: { host: `evil.example:${port}` } }).catch((e) => e);
    expect(ws.status).toBe(403);
    expect((await http(`${httpUrl(url)}/`, { headers: { Host: `vuer.lan:${port}` } })).status).toBe(200);
  });
});

describe("/relay is never driven cross-site", () => {
  test("a cross-site text/plain POST gets 403 and a connected viewer's scene does not change", async () => {
    const { app, url } = await startVuer();
    app.scene.set(Scene(Box({ key: "mine" }), { key: "scene" }));
    app.spawn(async (s) => {
      app.scene.subscribe(s);
      await s.forever();
    });
    const viewer = await rawPeer(url, { client: "browser" });
    expect((await viewer.nextEvent()).etype).toBe("SET");
    const attack = encodeFrame(setEvent(Scene(Box({ key: "pwned" }), { key: "scene" })));
    const base = httpUrl(url);
    // What a page on another site can send without a preflight: a "simple" POST.
    const simple = await fetch(`${base}/relay?sid=*`, {
      method: "POST",
      headers: { Origin: "https://evil.example", "Content-Type": "text/plain" },
      body: attack,
    });
    expect(simple.status).toBe(403);
    // Browsers that leave Origin out still say cross-site.
    const noOrigin = await http(`${base}/relay?sid=*`, {
      method: "POST",
      headers: { "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain" },
      body: attack,
    });
    expect(noOrigin.status).toBe(403);
    // The preflight a non-simple request needs is refused too.
    const preflight = await fetch(`${base}/relay?sid=*`, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    // Even a trusted origin (or a script) must say it sends msgpack: text/plain and no type are 415.
    const untyped: Array<Record<string, string>> = [{ Origin: "https://vuer.ai", "Content-Type": "text/plain" }, {}];
    for (const headers of untyped) {
      const r = await fetch(`${base}/relay?sid=*`, { method: "POST", headers, body: attack });
      expect(r.status).toBe(415);
      expect(r.headers.get("access-control-allow-credentials")).toBeNull();
    }
    // A script's relay goes through; it is the first thing the viewer gets after the SET, so nothing came before.
    const marker = encodeFrame(upsertEvent(Box({ key: "marker" })));
    const ok = await fetch(`${base}/relay?sid=*`, { method: "POST", headers: msgpack, body: marker });
    expect(await ok.json()).toEqual({ ok: true, delivered: 1 });
    const next = await viewer.nextEvent();
    expect(next.etype).toBe("UPSERT");
    expect(nodesOf(next)[0]?.key).toBe("marker");
    expect(viewer.received).toHaveLength(2);
    await viewer.close();
  });
});

describe("workspace", () => {
  test("files inside are served; dot-files and symlinks leading out answer 404", async () => {
    const outside = mkdtempSync(join(tmpdir(), "vuer-outside-"));
    writeFileSync(join(outside, "secret.txt"), "outside the workspace");
    const root = mkdtempSync(join(tmpdir(), "vuer-root-"));
    writeFileSync(join(root, "scene.ply"), "ply");
    writeFileSync(join(root, ".env"), "TOKEN=1");
    mkdirSync(join(root, ".git"));
    writeFileSync(join(root, ".git", "config"), "[core]");
    mkdirSync(join(root, "models"));
    writeFileSync(join(root, "models", "box.glb"), "glb");
    symlinkSync(join(outside, "secret.txt"), join(root, "secret-link.txt"));
    symlinkSync(outside, join(root, "outside-dir"));
    symlinkSync(join(root, "models", "box.glb"), join(root, "inside-link.glb"));
    const { url } = await startVuer({ workspace: root });
    const base = `${httpUrl(url)}/workspace`;
    const get = async (path: string) => {
      const r = await fetch(`${base}/${path}`);
      return { status: r.status, body: await r.text() };
    };
    expect(await get("scene.ply")).toEqual({ status: 200, body: "ply" });
    expect(await get("models/box.glb")).toEqual({ status: 200, body: "glb" });
    expect(await get("inside-link.glb")).toEqual({ status: 200, body: "glb" });
    for (const path of [
      "secret-link.txt",
      "outside-dir/secret.txt",
      ".env",
      ".git/config",
      "models/..%2F.env",
      "..%2F..%2Fetc%2Fpasswd",
    ]) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain("outside the workspace");
      expect(r.body).not.toContain("TOKEN");
    }
  });

  test("without a workspace option nothing from the working directory is served", async () => {
    const { app, url } = await startVuer();
    expect(app.workspace.roots).toEqual([]);
    expect((await fetch(`${httpUrl(url)}/workspace/package.json`)).status).toBe(404);
    app.workspace.link("linked", "hello.txt");
    expect(await (await fetch(`${httpUrl(url)}/workspace/hello.txt`)).text()).toBe("linked");
  });
});

describe("memory limits", () => {
  test("a frame declaring 200 MiB is closed with 1009 at its header; the server never buffers it", async () => {
    const { url } = await startVuer(); // default maxSize: 4 MiB
    const { port } = new URL(url);
    const before = process.memoryUsage().rss;
    const { socket, closeCode, written } = await streamOversizeFrame(Number(port), 200 * MiB);
    expect(await closeCode).toBe(CloseCode.MessageTooBig);
    socket.destroy();
    // A buffering server would have taken all 200 MiB; this one stopped reading after a few chunks.
    expect(written()).toBeLessThan(200 * MiB);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * MiB);
  }, 60_000);

  test("a /relay body over the limit gets 413 whether declared or streamed, without being buffered", async () => {
    const { url } = await startVuer(); // default requestMaxSize: 4 MiB
    const declared = await http(`${httpUrl(url)}/relay?sid=*`, {
      method: "POST",
      headers: { ...msgpack, "Content-Length": String(200 * MiB) },
    }).catch(() => ({ status: 413 })); // the server may answer and close before this request ends
    expect(declared.status).toBe(413);
    const before = process.memoryUsage().rss;
    const streamed = await streamBody(`${httpUrl(url)}/relay?sid=*`, 200 * MiB);
    expect(streamed.status).toBe(413);
    expect(streamed.written).toBeLessThan(200 * MiB);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * MiB);
  }, 60_000);

  test("past maxConnections upgrades get 503; a freed slot admits the next client", async () => {
    const { app, url } = await startVuer({ maxConnections: 2 });
    const a = await rawPeer(url);
    const b = await rawPeer(url);
    const third = await connectTestClient(url).catch((e) => e);
    expect(third.status).toBe(503);
    expect(JSON.parse(third.body)).toEqual({ error: "too many connections" });
    await a.close();
    await waitFor(() => app.endpoint.connections.size === 1);
    const c = await rawPeer(url);
    await Promise.all([b.close(), c.close()]);
  });

  test("a stalled viewer's queue is bounded in bytes (queueBytes); it still gets the newest frame", async () => {
    const { app, url } = await startVuer({ queueBytes: 512 * 1024, queueLen: 10_000, sendHighWaterMark: 64 * 1024 });
    const spawned = deferred<VuerSession>();
    app.spawn(async (s) => {
      spawned.resolve(s);
      await s.forever();
    });
    const peer = await rawPeer(url);
    const session = await spawned.promise;
    (peer.ws as unknown as { _socket: Socket })._socket.pause();
    const blob = new Uint8Array(64 * 1024);
    let peak = 0;
    for (let i = 0; i < 300; i++) {
      session.send({ ts: 0, data: { i, blob }, etype: "FRAME" });
      peak = Math.max(peak, session.stats.queuedBytes);
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(peak).toBeLessThanOrEqual(512 * 1024 + blob.byteLength + 64);
    expect(session.stats.dropped).toBeGreaterThan(0);
    (peer.ws as unknown as { _socket: Socket })._socket.resume();
    await peer.nextEvent((ev) => (ev.data as { i: number }).i === 299, 20_000);
  }, 30_000);

  test("defaults: 4 MiB frames and bodies, 256 connections, 8 MiB queues", async () => {
    const { app } = await startVuer();
    expect(app.options).toMatchObject({
      maxSize: 4 * MiB,
      requestMaxSize: 4 * MiB,
      maxConnections: 256,
      queueBytes: 8 * MiB,
    });
  });
});

/**
 * Opens a raw WebSocket and starts one binary frame declaring `declared` bytes, then streams its payload from
 * one reused 64 KiB chunk (so this process holds no big buffer) until the server's close frame arrives, the
 * socket ends, or everything was written.
 */
async function streamOversizeFrame(
  port: number,
  declared: number,
): Promise<{ socket: Socket; closeCode: Promise<number>; written: () => number }> {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  await new Promise<void>((r) => socket.once("connect", () => r()));
  socket.write(
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  );
  const code = deferred<number>();
  let buf = Buffer.alloc(0);
  let upgraded = false;
  socket.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (!upgraded) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      upgraded = buf.subarray(0, 12).toString() === "HTTP/1.1 101";
      buf = buf.subarray(end + 4);
      if (!upgraded) code.resolve(-1);
    }
    // A server close frame: 0x88, unmasked length, then the 2-byte code.
    if (buf.length >= 4 && buf[0] === 0x88) code.resolve(buf.readUInt16BE(2));
  });
  socket.on("close", () => code.resolve(-2));
  const header = Buffer.alloc(14);
  header[0] = 0x82; // FIN + binary
  header[1] = 0x80 | 127; // masked, 64-bit length
  header.writeBigUInt64BE(BigInt(declared), 2);
  // mask key: zeros (bytes 10-13), so the payload goes as is
  let written = 0;
  let done = false;
  void code.promise.then(() => {
    done = true;
  });
  socket.write(header);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  void (async () => {
    while (!done && written < declared && !socket.destroyed) {
      written += chunk.length;
      if (!socket.write(chunk))
        await Promise.race([
          new Promise((r) => socket.once("drain", r)),
          code.promise,
          new Promise((r) => socket.once("close", r)),
        ]);
    }
  })();
  return { socket, closeCode: code.promise, written: () => written };
}

/** POSTs a chunked msgpack body of up to `total` bytes from one reused chunk until the server answers. */
function streamBody(url: string, total: number): Promise<{ status: number; written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = request(url, { method: "POST", headers: msgpack }, (res) => {
      answered = true;
      res.resume();
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, written });
      });
    });
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!answered && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
