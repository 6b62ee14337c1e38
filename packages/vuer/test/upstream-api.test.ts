import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { deferred } from "@proj/ws-core";
import { disposeLeftovers, launchChromium, trackLeftover } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { decodeFrame, encodeFrame, upsertEvent } from "../src/index.js";
import { Img } from "../src/schemas/index.js";
import { b64png, jpg, png, Vuer } from "../src/server/index.js";
import { newVuerClient, startVuer, vuerClient } from "./helpers.js";

afterEach(disposeLeftovers);

const httpUrl = (ws: string) => ws.replace(/^ws/, "http");

describe("workspace.link(content, to) as upstream", () => {
  test("bytes, text, functions handed the request, objects as JSON, Blobs; unlink", async () => {
    const { app, url } = await startVuer();
    const base = httpUrl(url);
    expect(app.workspace.link(new Uint8Array([1, 2, 3]), "/raw.bin")).toBe("/raw.bin");
    app.workspace.link("plain text", "notes.txt");
    app.workspace.link((_req, query) => ({ model: query.get("model") ?? "panda", ok: true }), "/api/status");
    app.workspace.link(async (req) => `ua=${req.headers["x-test"]}`, "/echo.txt");
    app.workspace.link(() => new Blob(["<a/>"], { type: "application/xml" }), "/scene.xml");
    app.workspace.link(() => [1, 2], "/list", { contentType: "application/vnd.list+json" });
    // A dict linked directly, as upstream's link({...}, "/config.json"), and an array.
    app.workspace.link({ robot: "ur5", joints: 6 }, "/config");
    app.workspace.link([3, 4], "/direct-list");
    app.workspace.link(new Blob(["x,y"], { type: "text/csv" }), "/table");
    const raw = await fetch(`${base}/workspace/raw.bin`);
    expect(new Uint8Array(await raw.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(await (await fetch(`${base}/workspace/notes.txt`)).text()).toBe("plain text");
    const status = await fetch(`${base}/workspace/api/status?model=ur5`);
    expect(status.headers.get("content-type")).toBe("application/json");
    expect(await status.json()).toEqual({ model: "ur5", ok: true });
    expect(await (await fetch(`${base}/workspace/echo.txt`, { headers: { "X-Test": "t1" } })).text()).toBe("ua=t1");
    const xml = await fetch(`${base}/workspace/scene.xml`);
    expect(xml.headers.get("content-type")).toBe("application/xml");
    expect(await xml.text()).toBe("<a/>");
    const list = await fetch(`${base}/workspace/list`);
    expect(list.headers.get("content-type")).toBe("application/vnd.list+json");
    expect(await list.json()).toEqual([1, 2]);
    const config = await fetch(`${base}/workspace/config`);
    expect(config.headers.get("content-type")).toBe("application/json");
    expect(await config.json()).toEqual({ robot: "ur5", joints: 6 });
    expect(await (await fetch(`${base}/workspace/direct-list`)).json()).toEqual([3, 4]);
    const table = await fetch(`${base}/workspace/table`);
    expect(table.headers.get("content-type")).toBe("text/csv");
    expect(await table.text()).toBe("x,y");
    expect(app.workspace.unlink("/api/status")).toBe(true);
    expect(app.workspace.unlink("/api/status")).toBe(false);
    expect((await fetch(`${base}/workspace/api/status`)).status).toBe(404);
    // The old (path, content) order is refused with a TypeError naming the new one.
    expect(() => (app.workspace.link as any)("a.txt", () => "x")).toThrow(/path comes second/);
  });

  test("mount(dir, {to}) serves a directory at its own route; staticRoot is workspace's old name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vuer-mount-"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "a.txt"), "mounted");
    writeFileSync(join(dir, ".env"), "SECRET=1");
    const rootDir = mkdtempSync(join(tmpdir(), "vuer-static-"));
    writeFileSync(join(rootDir, "s.txt"), "static root");
    const { app, url } = await startVuer({ staticRoot: rootDir });
    app.workspace.mount(dir, { to: "/uploads/" });
    expect([...app.workspace.mounts]).toEqual([["/uploads", dir]]);
    const base = httpUrl(url);
    const a = await fetch(`${base}/uploads/sub/a.txt?hot`);
    expect(a.status).toBe(200);
    expect(a.headers.get("cache-control")).toBe("no-cache");
    expect(await a.text()).toBe("mounted");
    expect((await fetch(`${base}/uploads/.env`)).status).toBe(404);
    expect((await fetch(`${base}/uploads/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    expect((await fetch(`${base}/uploads/missing.txt`)).status).toBe(404);
    expect(await (await fetch(`${base}/workspace/s.txt`)).text()).toBe("static root");
    expect(() => app.workspace.mount(dir, { to: "/" })).toThrow(TypeError);
  });
});

describe("server options from upstream", () => {
  test("freePort: a taken port falls back to a free one; without it start() rejects", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    trackLeftover(() => new Promise<void>((r) => blocker.close(() => r())));
    const taken = (blocker.address() as { port: number }).port;
    const plain = new Vuer({ port: taken, env: {}, heartbeatMs: false });
    await expect(plain.start()).rejects.toMatchObject({ code: "EADDRINUSE" });
    await plain.close();
    const { app } = await startVuer({ port: taken, freePort: true });
    const l = app.listening;
    expect(l?.port).toBeGreaterThan(0);
    expect(l?.port).not.toBe(taken);
  });

  test("getUrl(): domain or clientUrl (with {host} {port} {webPort} {ssl}), ?ws=, then the queries", async () => {
    const { app } = await startVuer({ queries: { grid: false, name: "a b&c" } });
    const port = app.listening?.port;
    expect(app.getUrl()).toBe(`https://vuer.ai?ws=ws://localhost:${port}&grid=false&name=a%20b%26c`);
    expect(app.getUrl("192.168.1.5")).toContain(`?ws=ws://192.168.1.5:${port}&`);
    const local = new Vuer({ env: {}, port: 9001, clientUrl: "http://{host}:{webPort}/viewer", webPort: 5173 });
    expect(local.getUrl()).toBe("http://localhost:5173/viewer?ws=ws://localhost:9001");
    expect(local.options.allowedOrigins).toEqual(["https://vuer.ai", "http://127.0.0.1:5173"]);
    const tls = new Vuer({ env: {}, port: 9002, cert: "c.pem", key: "k.pem", basePath: "/v" });
    expect(tls.getUrl("::1")).toBe("https://vuer.ai?ws=wss://[::1]:9002/v");
  });

  test("spawnTask: session tasks stop with their session, app tasks with the server; errors are reported", async () => {
    const { app, url, errors } = await startVuer();
    const stopped = deferred<unknown>();
    const failed = deferred<unknown>();
    app.spawn(async (session) => {
      session.spawnTask(async (signal) => {
        await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
        stopped.resolve(signal.reason);
      });
      const bad = session.spawnTask(() => {
        throw new Error("task failed");
      });
      failed.resolve(await bad.done);
      await session.forever();
    });
    const c = await vuerClient(url);
    expect(await failed.promise).toBeUndefined();
    expect(errors).toContainEqual(new Error("task failed"));
    await c.close();
    expect(await stopped.promise).toBeDefined();
    const appTask = app.spawnTask((signal) => new Promise((r) => signal.addEventListener("abort", () => r("done"))));
    const manual = app.spawnTask(
      (signal) => new Promise((r) => signal.addEventListener("abort", () => r(signal.reason))),
    );
    manual.abort("enough");
    expect(await manual.done).toBe("enough");
    await app.close();
    expect(await appTask.done).toBe("done");
  });

  test("downlink queue: popleft, pop, clear, stream over the client's recent events, bounded by queueLen", async () => {
    const { app, url } = await startVuer({ queueLen: 3 });
    const seen = deferred<void>();
    app.addHandler("E", (ev) => {
      if (ev.value === 5) seen.resolve();
    });
    let session: import("../src/server/index.js").VuerSession | undefined;
    app.spawn(async (s) => {
      session = s;
      await s.forever();
    });
    const c = await vuerClient(url);
    for (let i = 1; i <= 5; i++) await c.send({ etype: "E", value: i });
    await seen.promise;
    const s = session as NonNullable<typeof session>;
    expect(s.downlinkSize).toBe(3); // INIT and E1, E2 dropped
    expect([...s.stream()].map((e) => e.value)).toEqual([3, 4, 5]);
    expect(s.popleft()?.value).toBe(3);
    expect(s.pop()?.value).toBe(5);
    expect(s.downlinkSize).toBe(1);
    s.clear();
    expect(s.popleft()).toBeUndefined();
    expect(s.pop()).toBeUndefined();
    expect([...s.stream()]).toEqual([]);
  });

  test("caCert: clients must present a certificate signed by the CA (mutual TLS)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vuer-mtls-"));
    const f = (n: string) => join(dir, n);
    const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=test-ca",
      "-keyout",
      f("ca.key"),
      "-out",
      f("ca.pem"),
    );
    for (const who of ["server", "client"]) {
      ssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        `/CN=${who === "server" ? "127.0.0.1" : "client"}`,
        "-keyout",
        f(`${who}.key`),
        "-out",
        f(`${who}.csr`),
      );
      writeFileSync(
        f(`${who}.ext`),
        who === "server" ? "subjectAltName=IP:127.0.0.1\n" : "extendedKeyUsage=clientAuth\n",
      );
      ssl(
        "x509",
        "-req",
        "-in",
        f(`${who}.csr`),
        "-CA",
        f("ca.pem"),
        "-CAkey",
        f("ca.key"),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        f(`${who}.ext`),
        "-out",
        f(`${who}.pem`),
      );
    }
    const { app, url } = await startVuer({ cert: f("server.pem"), key: f("server.key"), caCert: f("ca.pem") });
    expect(app.options.caCert).toBe(f("ca.pem"));
    const ca = readFileSync(f("ca.pem"));
    const anonymous = newVuerClient(url, { wsOptions: { ca } });
    await expect(anonymous.connect()).rejects.toThrow();
    const client = await vuerClient(url, {
      wsOptions: { ca, cert: readFileSync(f("client.pem")), key: readFileSync(f("client.key")) },
    });
    expect(client.connected).toBe(true);
    await client.close();
  });
});

describe("image helpers (raw pixels to PNG / JPEG)", () => {
  const w = 37;
  const h = 21;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.set([x * 6, y * 12, 200, 128], (y * w + x) * 4);
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) rgb.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);

  test("png: valid chunks, the pixels back after inflate and unfiltering; bad sizes refused", () => {
    const bytes = png({ data: rgba, width: w, height: h });
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect([view.getUint32(16), view.getUint32(20), bytes[24], bytes[25]]).toEqual([w, h, 8, 6]);
    const idatLen = view.getUint32(33);
    const rows = inflateSync(bytes.subarray(41, 41 + idatLen));
    const stride = w * 4;
    const back = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      const filter = rows[y * (stride + 1)];
      for (let i = 0; i < stride; i++) {
        const v = rows[y * (stride + 1) + 1 + i] as number;
        back[y * stride + i] = filter === 2 ? (v + (back[(y - 1) * stride + i] as number)) & 0xff : v;
      }
    }
    expect(back).toEqual(rgba);
    expect(b64png({ data: rgb, width: w, height: h })).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(() => png({ data: rgba, width: w, height: h + 1 })).toThrow(RangeError);
    expect(() => jpg({ data: rgb, width: w, height: h }, 0)).toThrow(RangeError);
  });

  test("Img/ImageBackground src: PNG and JPEG bytes decode in Chromium to the pixels given", async () => {
    const browser = await launchChromium();
    const page = await browser.newPage();
    // The bytes travel as upstream's Img would carry them: msgpack bin in an UPSERT.
    const frame = encodeFrame(
      upsertEvent([
        Img({ key: "png", src: png({ data: rgba, width: w, height: h }) }),
        Img({ key: "jpg", src: jpg({ data: rgb, width: w, height: h }, 95) }),
        Img({ key: "grey", src: jpg({ data: rgb.filter((_, i) => i % 3 === 0), width: w, height: h }) }),
      ]),
    );
    const nodes = (decodeFrame(frame) as { data: { nodes: Array<{ src: Uint8Array }> } }).data.nodes;
    const decoded = await page.evaluate(
      async (images: number[][]) =>
        Promise.all(
          images.map(async (bytes) => {
            const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)]), {
              premultiplyAlpha: "none",
              colorSpaceConversion: "none",
            });
            const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
            const ctx = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
            ctx.drawImage(bitmap, 0, 0);
            const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
            return { width: bitmap.width, height: bitmap.height, data: Array.from(data) };
          }),
        ),
      nodes.map((n) => Array.from(n.src)),
    );
    for (const d of decoded) expect([d.width, d.height]).toEqual([w, h]);
    const maxDiff = (got: number[], want: (i: number, c: number) => number, channels: number[]) => {
      let m = 0;
      for (let i = 0; i < w * h; i++)
        for (const c of channels) m = Math.max(m, Math.abs((got[i * 4 + c] as number) - want(i, c)));
      return m;
    };
    const [pngPx, jpgPx, greyPx] = decoded as Array<{ data: number[] }>;
    // PNG is lossless (alpha 128 may round through premultiplication in the canvas: within 1).
    expect(maxDiff(pngPx?.data ?? [], (i, c) => rgba[i * 4 + c] as number, [0, 1, 2])).toBeLessThanOrEqual(1);
    expect(maxDiff(pngPx?.data ?? [], () => 128, [3])).toBe(0);
    expect(maxDiff(jpgPx?.data ?? [], (i, c) => rgb[i * 3 + c] as number, [0, 1, 2])).toBeLessThanOrEqual(12);
    expect(maxDiff(greyPx?.data ?? [], (i) => rgb[i * 3] as number, [0, 1, 2])).toBeLessThanOrEqual(16);
    await browser.close();
  });
});
