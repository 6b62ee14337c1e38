// The bundled three.js viewer (GET /) in Debian's Chromium with SwiftShader WebGL, against a real server.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { deferred } from "@proj/ws-core";
import { CHROMIUM_ARGS, disposeLeftovers, launchChromium, trackLeftover } from "@proj/ws-core/testing";
import jpeg from "jpeg-js";
import type { Browser, Page } from "playwright-core";
import { afterEach, describe, expect, test } from "vitest";
import { WebSocketServer } from "ws";
import { decodeFrame, encodeFrame, setEvent } from "../src/index.js";
import {
  AmbientLight,
  Arrow,
  Box,
  Capsule,
  Circle,
  Cone,
  CoordsMarker,
  Cylinder,
  DefaultScene,
  DirectionalLight,
  Dodecahedron,
  Glb,
  Grid,
  Group,
  HemisphereLight,
  Icosahedron,
  Image,
  ImageBackground,
  Line,
  Obj,
  Octahedron,
  Plane,
  Ply,
  PointCloud,
  PointLight,
  Ring,
  Sphere,
  SpotLight,
  Stl,
  Tetrahedron,
  Text,
  Torus,
  TorusKnot,
  TriMesh,
} from "../src/schemas/index.js";
import type { IncomingEvent, VuerSession } from "../src/server/index.js";
import { startVuer } from "./helpers.js";

afterEach(disposeLeftovers);

const WEBGL_ARGS = [...CHROMIUM_ARGS, "--use-angle=swiftshader", "--enable-unsafe-swiftshader"];
const ARTIFACTS = fileURLToPath(new URL("../../../artifacts/vuer", import.meta.url));
const httpOf = (ws: string) => ws.replace(/^ws/, "http");

/** Opens the viewer page and waits until its socket is open. */
async function openViewer(browser: Browser, url: string, size = { width: 640, height: 480 }): Promise<Page> {
  const page = await browser.newPage({ viewport: size });
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(url);
  await page.waitForSelector("body[data-status=open]", { timeout: 60_000 });
  return page;
}

// ---- tiny image and model files ----

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(b: Uint8Array): number {
  let c = -1;
  for (const x of b) c = (CRC[(c ^ x) & 0xff] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
/** An RGB PNG of a diagonal gradient. */
function png(w: number, h: number): Uint8Array {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) raw.set([(x * 255) / w, (y * 255) / h, 128], y * (w * 3 + 1) + 1 + x * 3);
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([sig, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
function jpegBytes(w: number, h: number): Uint8Array {
  const data = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([40, (i % w) % 256, 90, 255], i * 4);
  return jpeg.encode({ data, width: w, height: h }, 80).data;
}
const TRIANGLE_OBJ = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n";
const TRIANGLE_STL =
  "solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n";
const TRIANGLE_PLY =
  "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n";
function triangleGltf(): string {
  const buf = Buffer.from(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]).buffer);
  return JSON.stringify({
    asset: { version: "2.0" },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [{ mesh: 0 }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0 } }] }],
    buffers: [{ byteLength: 36, uri: `data:application/octet-stream;base64,${buf.toString("base64")}` }],
    bufferViews: [{ buffer: 0, byteLength: 36 }],
    accessors: [{ bufferView: 0, componentType: 5126, count: 3, type: "VEC3", min: [0, 0, 0], max: [1, 1, 0] }],
  });
}

function modelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "vuer-viewer-"));
  writeFileSync(join(dir, "t.obj"), TRIANGLE_OBJ);
  writeFileSync(join(dir, "t.stl"), TRIANGLE_STL);
  writeFileSync(join(dir, "t.ply"), TRIANGLE_PLY);
  writeFileSync(join(dir, "t.gltf"), triangleGltf());
  writeFileSync(join(dir, "pic.png"), png(32, 16));
  return dir;
}

/** Distinct colours (quantised) in a JPEG screenshot. */
function colourCount(jpg: Buffer): number {
  const img = jpeg.decode(jpg, { useTArray: true });
  const seen = new Set<number>();
  for (let i = 0; i < img.data.length; i += 4 * 7)
    seen.add(
      ((img.data[i] as number) >> 4) * 256 +
        ((img.data[i + 1] as number) >> 4) * 16 +
        ((img.data[i + 2] as number) >> 4),
    );
  return seen.size;
}

const cloud = (n: number) => {
  const v = new Float32Array(n * 3);
  const c = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const t = i / n;
    v.set([Math.cos(t * 40) * t * 2, t, Math.sin(t * 40) * t * 2], i * 3);
    c.set([255 * t, 128, 255 * (1 - t)], i * 3);
  }
  return { vertices: v, colors: c };
};

/** Every element the viewer draws, plus one it does not know. */
function everyElement() {
  const tri = {
    vertices: [0, 0, 0, 1, 0, 0, 0, 1, 0],
    faces: [0, 1, 2],
    colors: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255]),
  };
  return [
    Box({ key: "box", position: [0, 0.5, 0], color: "#ff8844" }),
    Sphere({ key: "sphere", args: [0.3], position: [1, 0.3, 0] }),
    Cylinder({ key: "cylinder", args: [0.2, 0.2, 0.6], position: [-1, 0.3, 0] }),
    Capsule({ key: "capsule", args: [0.15, 0.3], position: [0, 0.3, 1] }),
    Cone({ key: "cone", args: [0.3, 0.6], position: [0, 0.3, -1] }),
    Plane({ key: "plane", args: [0.5, 0.5], position: [1, 0.3, 1] }),
    Torus({ key: "torus", args: [0.3, 0.08], position: [-1, 0.3, 1] }),
    TorusKnot({ key: "torusknot", args: [0.2, 0.05], position: [1, 0.3, -1] }),
    Circle({ key: "circle", args: [0.2], position: [-1, 0.3, -1] }),
    Ring({ key: "ring", args: [0.1, 0.2], position: [1.5, 0.3, 0] }),
    Dodecahedron({ key: "dodecahedron", args: [0.2], position: [-1.5, 0.3, 0] }),
    Icosahedron({ key: "icosahedron", args: [0.2], position: [0, 0.3, 1.5] }),
    Octahedron({ key: "octahedron", args: [0.2], position: [0, 0.3, -1.5] }),
    Tetrahedron({ key: "tetrahedron", args: [0.2], position: [1.5, 0.3, 1.5] }),
    Group({ key: "group", position: [0, 1.5, 0], rotation: [0, 0.5, 0] }, Box({ key: "child", args: [0.2, 0.2, 0.2] })),
    { tag: "group", key: "plain-group", children: [{ tag: "Box", key: "plain-child", position: [2, 0, 0] }] },
    AmbientLight({ key: "ambient", intensity: 0.4 }),
    DirectionalLight({ key: "directional" }),
    PointLight({ key: "point", position: [0, 2, 0] }),
    SpotLight({ key: "spot", position: [2, 3, 0] }),
    HemisphereLight({ key: "hemisphere" }),
    Grid({ key: "grid2" }),
    CoordsMarker({ key: "axes", position: [-2, 0, -2] }),
    Arrow({ key: "arrow", position: [2, 0, -2] }),
    PointCloud({ key: "pc16", ...cloud(2000), size: 0.03, position: [-2, 0, 2] }),
    // float32 vertices as a plain list (msgpack floats); bytes are always float16, upstream's wire form
    { tag: "PointCloud", key: "pc32", vertices: [0, 2, 0, 0.1, 2, 0, 0.2, 2, 0], size: 0.05 },
    TriMesh({ key: "trimesh", ...tri, position: [2, 0, 2] }),
    Line({
      key: "line",
      points: [
        [0, 0, 0],
        [1, 1, 1],
        [2, 0, 0],
      ],
      color: "#00ff00",
    }),
    Text("hello viewer", { key: "text", position: [0, 2.2, 0], fontSize: 0.2 }),
    Image({ key: "img-bytes", src: png(32, 16), height: 0.5, position: [-2, 1, 0] }),
    Image({ key: "img-url", src: "/workspace/pic.png", height: 0.5, position: [2, 1, 0] }),
    { tag: "Img", key: "img-jpeg", src: jpegBytes(16, 16), position: [0, 1, -2] },
    Obj({ key: "obj", src: "/workspace/t.obj", position: [-2.5, 0, 0] }),
    Stl({ key: "stl", src: "/workspace/t.stl", position: [2.5, 0, 0] }),
    Ply({ key: "ply", src: "/workspace/t.ply", position: [0, 0, 2.5] }),
    Glb({ key: "gltf", src: "/workspace/t.gltf", position: [0, 0, -2.5] }),
    { tag: "FancyWidget", key: "mystery", position: [0, 0, 0] },
  ];
}

const MODEL_KEYS = ["obj", "stl", "ply", "gltf"];

describe("viewer", () => {
  test("GET / serves the viewer page (socket in <meta>), the script is bundled with three.js, no CDN", async () => {
    const { url } = await startVuer();
    const html = await (await fetch(`${httpOf(url)}/`)).text();
    expect(html).toContain(`<meta name="vuer-ws" content="${url}`);
    expect(html).toContain('<script src="/assets/vuer-viewer.js">');
    const res = await fetch(`${httpOf(url)}/assets/vuer-viewer.js`);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const js = await res.text();
    expect(js.length).toBeGreaterThan(300_000); // three.js is in it
    expect(js).not.toMatch(/https:\/\/(unpkg|cdn\.jsdelivr|cdnjs|esm\.sh)/);
    const { url: based } = await startVuer({ basePath: "/vuer" });
    const page = await (await fetch(`${httpOf(based)}/`)).text();
    expect(page).toContain('<script src="/vuer/assets/vuer-viewer.js">');
    expect((await fetch(`${httpOf(based)}/assets/vuer-viewer.js`)).status).toBe(200);
  }, 120_000);

  test("a scene of every supported element renders: element count, loaded models and images, non-blank pixels", async () => {
    const { app, url } = await startVuer({ workspace: modelDir() });
    app.scene.set(
      DefaultScene(...everyElement(), {
        key: "scene",
        bgChildren: [ImageBackground({ key: "bg", src: jpegBytes(64, 32) })],
      }),
    );
    app.spawn(async (session) => {
      app.scene.subscribe(session);
      await session.forever();
    });
    const browser = await launchChromium(WEBGL_ARGS);
    const page = await openViewer(browser, `${httpOf(url)}/`);
    const keys = everyElement().map((e) => e.key as string);
    await page.waitForFunction((want) => want.every((k) => (window as any).vuerViewer.rendered.has(k)), keys, {
      timeout: 60_000,
    });
    // Models and images load asynchronously.
    await page.waitForFunction(
      (models) => {
        const v = (window as any).vuerViewer;
        const loaded = (k: string) => v.objectOf(k)?.children[0]?.children.length > 0;
        const textured = (k: string) => Boolean(v.objectOf(k)?.children[0]?.material?.map);
        return (
          models.every(loaded) && ["img-bytes", "img-url", "img-jpeg"].every(textured) && v.scene.background?.isTexture
        );
      },
      MODEL_KEYS,
      { timeout: 60_000 },
    );
    const info = await page.evaluate(() => {
      const v = (window as any).vuerViewer;
      return { count: v.elementCount, placeholders: [...v.placeholders], points: v.pointCount, errors: v.errors };
    });
    // Every element, plus DefaultScene's bgChildren (grid, light stage, XR inputs, camera rig) and the background.
    expect(info.count).toBe(keys.length + 2 /* children */ + 10);
    expect(info.placeholders).toEqual(["mystery"]);
    expect(info.points).toBe(2003);
    expect(info.errors).toEqual([]);
    const shot = await page.screenshot({ type: "jpeg", quality: 90 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/viewer-every-element.png` });
    expect(colourCount(shot)).toBeGreaterThan(30);
    // The same scene with nothing in it has far fewer colours: the elements are what is drawn.
    app.scene.set(DefaultScene({ key: "scene", grid: false }));
    await page.waitForFunction(() => (window as any).vuerViewer.rendered.size === 1);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(colourCount(await page.screenshot({ type: "jpeg", quality: 90 }))).toBeLessThan(colourCount(shot));
  }, 180_000);

  test("operations apply incrementally; a drag sends CAMERA_MOVE; a click sends CLICK; GRAB_RENDER gets a JPEG", async () => {
    const { app, url } = await startVuer();
    app.scene.set(DefaultScene(Box({ key: "target", args: [3, 3, 3], position: [0, 0.5, 0] }), { key: "scene" }));
    const sessions: VuerSession[] = [];
    app.spawn(async (session) => {
      sessions.push(session);
      app.scene.subscribe(session);
      await session.forever();
    });
    const moves: IncomingEvent[] = [];
    let moved = deferred<void>();
    app.addHandler("CAMERA_MOVE", (ev) => {
      moves.push(ev);
      moved.resolve();
    });
    const click = deferred<IncomingEvent>();
    app.addHandler("CLICK", (ev) => click.resolve(ev));
    const browser = await launchChromium(WEBGL_ARGS);
    const page = await openViewer(browser, `${httpOf(url)}/`);
    await page.waitForFunction(() => (window as any).vuerViewer.rendered.has("target"));

    // The first CAMERA_MOVE comes on connect; a drag sends more, with another matrix.
    await moved.promise;
    const first = JSON.stringify(moves[0]?.value.matrix);
    expect(moves[0]?.key).toBe("defaultCamera");
    expect(moves[0]?.value.matrix).toHaveLength(16);
    moved = deferred();
    await page.mouse.move(320, 240);
    await page.mouse.down();
    for (let x = 330; x <= 480; x += 30) await page.mouse.move(x, 260);
    await page.mouse.up();
    await moved.promise;
    const last = () => JSON.stringify(moves.at(-1)?.value.matrix);
    while (last() === first) {
      moved = deferred();
      await moved.promise;
    }
    expect(last()).not.toBe(first);

    // Throttled: 200 camera changes in one task send at most one CAMERA_MOVE per interval (50 ms) of the burst,
    // plus the trailing one, which carries the final pose. The bound is taken from the burst's own duration, so a
    // slow machine loosens it instead of failing.
    const before = moves.length;
    const burst = await page.evaluate(() => {
      const v = (window as any).vuerViewer;
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) {
        v.camera.position.x += 0.01;
        v.controls.update(); // turns the camera to its target and dispatches "change", as a drag step does
      }
      v.camera.updateMatrixWorld();
      return { ms: performance.now() - t0, matrix: v.camera.matrixWorld.toArray() as number[] };
    });
    // The wire may carry the matrix as float32: compared within a float32's precision.
    const isFinal = (m: number[] | undefined): boolean =>
      m?.every((x, i) => Math.abs(x - (burst.matrix[i] as number)) < 1e-4) ?? false;
    while (!isFinal(moves.at(-1)?.value.matrix)) {
      moved = deferred();
      await moved.promise;
    }
    expect(moves.length - before).toBeLessThanOrEqual(2 + Math.ceil(burst.ms / 50));
    expect(moves.length - before).toBeLessThan(200);

    // Incremental: an UPSERT of another element and an UPDATE of the position keep the box's mesh.
    await page.evaluate(() => {
      (window as any).vuerViewer.objectOf("target").children[0].userData.marker = 1;
    });
    app.scene.upsert(Sphere({ key: "ball", position: [0, 3, 0], args: [0.2] }));
    app.scene.update({ tag: "Box", key: "target", position: [0, 0.6, 0] });
    await page.waitForFunction(() => {
      const v = (window as any).vuerViewer;
      return v.rendered.has("ball") && Math.abs(v.positionOf("target")[1] - 0.6) < 1e-6;
    });
    expect(await page.evaluate(() => (window as any).vuerViewer.objectOf("target").children[0].userData.marker)).toBe(
      1,
    );
    app.scene.update({ tag: "Box", key: "target", color: "#ff0000" }); // a material prop: the mesh is rebuilt
    await page.waitForFunction(
      () => (window as any).vuerViewer.objectOf("target").children[0].userData.marker === undefined,
    );
    app.scene.remove("ball");
    await page.waitForFunction(() => !(window as any).vuerViewer.rendered.has("ball"));

    // A click (no drag) on the box in the middle of the canvas.
    await page.mouse.click(320, 240);
    const clicked = await click.promise;
    expect(clicked.key).toBe("target");
    expect(clicked.value).toMatchObject({ key: "target", tag: "Box" });
    expect(clicked.value.point).toHaveLength(3);

    // GRAB_RENDER: a JPEG of the canvas, downsampled.
    const session = sessions[0] as VuerSession;
    const answer = await session.grabRender({ quality: 0.8, downsample: 2 }, { timeoutMs: 60_000 });
    const frame = answer.value.frame as Uint8Array;
    expect(frame[0]).toBe(0xff);
    expect(frame[1]).toBe(0xd8);
    const img = jpeg.decode(frame, { useTArray: true });
    expect([img.width, img.height]).toEqual([320, 240]);
    expect([answer.value.width, answer.value.height]).toEqual([320, 240]);
    const lum = new Set<number>();
    for (let i = 0; i < img.data.length; i += 4) lum.add((img.data[i] as number) >> 3);
    expect(lum.size).toBeGreaterThan(3); // the box on the background, not a blank frame
  }, 180_000);

  test("a 1M-point cloud UPSERT renders and the page keeps animating", async () => {
    const { app, url } = await startVuer();
    app.scene.set(DefaultScene({ key: "scene" }));
    app.spawn(async (session) => {
      app.scene.subscribe(session);
      await session.forever();
    });
    const browser = await launchChromium(WEBGL_ARGS);
    const page = await openViewer(browser, `${httpOf(url)}/`);
    await page.waitForFunction(() => (window as any).vuerViewer.rendered.has("grid"));
    const framesBefore = await page.evaluate(() => (window as any).vuerViewer.frames);
    app.scene.upsert(PointCloud({ key: "big", ...cloud(1_000_000), size: 0.01 }));
    await page.waitForFunction(() => (window as any).vuerViewer.pointCount === 1_000_000, undefined, {
      timeout: 120_000,
    });
    // requestAnimationFrame keeps ticking and the viewer draws the cloud.
    const ticks = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let n = 0;
          const tick = () => (++n === 10 ? resolve(n) : requestAnimationFrame(tick));
          requestAnimationFrame(tick);
        }),
    );
    expect(ticks).toBe(10);
    expect(await page.evaluate(() => (window as any).vuerViewer.frames)).toBeGreaterThan(framesBefore);
    // The page still answers input: a drag re-renders.
    const drawn = await page.evaluate(() => (window as any).vuerViewer.frames);
    await page.mouse.move(300, 200);
    await page.mouse.down();
    await page.mouse.move(400, 220);
    await page.mouse.up();
    await page.waitForFunction((n) => (window as any).vuerViewer.frames > n, drawn, { timeout: 60_000 });
  }, 240_000);

  test("after the connection drops the viewer reconnects, sends INIT again and takes the scene again", async () => {
    const { app, url } = await startVuer();
    app.scene.set(DefaultScene(Box({ key: "a" }), { key: "scene" }));
    const inits: VuerSession[] = [];
    let joined = deferred<VuerSession>();
    app.spawn(async (session) => {
      inits.push(session);
      app.scene.subscribe(session);
      joined.resolve(session);
      await session.forever();
    });
    const browser = await launchChromium(WEBGL_ARGS);
    const page = await openViewer(browser, `${httpOf(url)}/`);
    await page.waitForFunction(() => (window as any).vuerViewer.rendered.has("a"));
    const first = await joined.promise;
    joined = deferred();
    first.close(1011, "test drop");
    app.scene.upsert(Box({ key: "b", position: [1, 0, 0] })); // while the viewer is away
    await joined.promise;
    await page.waitForFunction(() => (window as any).vuerViewer.rendered.has("b"), undefined, { timeout: 60_000 });
    expect(inits).toHaveLength(2);
  }, 120_000);

  test("?ws= points the page at another server (upstream's query)", async () => {
    const { url: pageServer } = await startVuer();
    const other = await startVuer({ allowedOrigins: "*" });
    other.app.scene.set(DefaultScene(Sphere({ key: "elsewhere" }), { key: "scene" }));
    const init = deferred<IncomingEvent>();
    other.app.spawn(async (session) => {
      init.resolve(await session.till("INIT"));
      other.app.scene.subscribe(session);
      await session.forever();
    });
    const browser = await launchChromium(WEBGL_ARGS);
    const page = await openViewer(browser, `${httpOf(pageServer)}/?ws=${encodeURIComponent(other.url)}`);
    await page.waitForFunction(() => (window as any).vuerViewer.rendered.has("elsewhere"));
    expect((await init.promise).value).toMatchObject({ client: "browser" });
  }, 120_000);

  test("?ws= to a server that picks no subprotocol (as upstream's aiohttp): no subprotocol is requested", async () => {
    const { url: pageServer } = await startVuer();
    // Like upstream's server: answers without Sec-WebSocket-Protocol, so a browser that asked for one fails.
    const raw = new WebSocketServer({ host: "127.0.0.1", port: 0, handleProtocols: () => false });
    trackLeftover(() => new Promise<void>((r) => raw.close(() => r())));
    await new Promise((r) => raw.once("listening", r));
    const requested = deferred<string | undefined>();
    const init = deferred<unknown>();
    raw.on("connection", (ws, req) => {
      requested.resolve(req.headers["sec-websocket-protocol"]);
      ws.on("message", (data) => {
        const event = decodeFrame(data as Buffer) as { etype: string };
        if (event.etype !== "INIT") return;
        init.resolve(event);
        ws.send(encodeFrame(setEvent(DefaultScene(Box({ key: "from-raw" }), { key: "scene" }))));
      });
    });
    const { port } = raw.address() as { port: number };
    const browser = await launchChromium(WEBGL_ARGS);
    const page = await openViewer(browser, `${httpOf(pageServer)}/?ws=${encodeURIComponent(`ws://127.0.0.1:${port}`)}`);
    expect(await requested.promise).toBeUndefined();
    await init.promise;
    await page.waitForFunction(() => (window as any).vuerViewer.rendered.has("from-raw"));
  }, 120_000);
});
