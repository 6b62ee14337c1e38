import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deferred } from "@proj/ws-core";
import { connectTestClient, disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { decodeFrame, encodeFrame, upsertEvent } from "../src/index.js";
import { PointCloud, PointCloudStream, toColorBytes, toFloat16Bytes } from "../src/schemas/index.js";
import type { VuerSession } from "../src/server/index.js";
import { nodesOf, rawPeer, startVuer } from "./helpers.js";

afterEach(disposeLeftovers);

const N = 40_000; // 240,000 vertex bytes: the in-place layout applies
/** Cloud number `k`: different vertices and colours each time. */
function cloud(k: number, n = N): { xyz: Float32Array; rgb: Float32Array } {
  const xyz = new Float32Array(n * 3);
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < xyz.length; i++) {
    xyz[i] = Math.sin(i + k * 0.37) * (k + 1) * (i % 11 === 0 ? 2 ** -30 : 1); // normals and subnormals
    rgb[i] = ((i + k * 17) % 256) / 255;
  }
  return { xyz, rgb };
}
const bytes = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
/** An UPSERT of `el` with a fixed timestamp. */
const frameOf = (el: Record<string, unknown>) => encodeFrame({ ...upsertEvent(el as never), ts: 0 });
const bufferOf = (el: Record<string, unknown>) => (el.vertices as Uint8Array).buffer;

async function streamingSession(options: Parameters<typeof startVuer>[0] = {}, peers = 1) {
  const { app, url } = await startVuer(options);
  const sessions: VuerSession[] = [];
  const all = deferred<void>();
  app.spawn(async (s) => {
    sessions.push(s);
    app.scene.subscribe(s, { replay: false });
    if (sessions.length === peers) all.resolve();
    await s.forever();
  });
  const clients = [];
  for (let i = 0; i < peers; i++) clients.push(await rawPeer(url));
  await all.promise;
  return { app, sessions, peers: clients };
}

describe("PointCloudStream", () => {
  test("its clouds serialise byte for byte as PointCloud's", () => {
    const stream = new PointCloudStream({ key: "pc", size: 0.01, position: [0, 1, 0] });
    for (let k = 0; k < 3; k++) {
      const { xyz, rgb } = cloud(k);
      const ours = frameOf(stream.next(xyz, rgb));
      const built = frameOf(PointCloud({ key: "pc", vertices: xyz, colors: rgb, size: 0.01, position: [0, 1, 0] }));
      expect(bytes(ours).equals(bytes(built))).toBe(true);
    }
    const { xyz } = cloud(4); // without colours, and with props for one cloud
    const ours = frameOf(stream.next(xyz, undefined, { size: 0.02 }));
    const built = frameOf(PointCloud({ key: "pc", vertices: xyz, size: 0.02, position: [0, 1, 0] }));
    expect(bytes(ours).equals(bytes(built))).toBe(true);
  });

  test("a cloud's buffer is filled again once the socket has written its frame, and every frame arrives intact", async () => {
    const { sessions, peers } = await streamingSession();
    const [session] = sessions as [VuerSession];
    const [peer] = peers;
    const stream = new PointCloudStream({ key: "pc", size: 0.01 });
    const seen = new Set<ArrayBufferLike>();
    for (let k = 0; k < 6; k++) {
      const { xyz, rgb } = cloud(k);
      const el = stream.next(xyz, rgb);
      seen.add(bufferOf(el));
      expect(session.upsert(el)).toBe("sent");
      const ev = await peer!.nextEvent((e) => e.etype === "UPSERT" && (e.ts as number) >= 0);
      const [node] = nodesOf(ev);
      expect(bytes(node!.vertices).equals(bytes(toFloat16Bytes(xyz)))).toBe(true);
      expect(bytes(node!.colors).equals(bytes(toColorBytes(rgb)))).toBe(true);
      await waitFor(() => stream.buffers.free === 1); // the write callback has run
    }
    expect(seen.size).toBe(1); // one buffer, filled six times
    expect(stream.buffers).toEqual({ held: 1, free: 1 });
  });

  test("the shared scene: recycled once every subscriber's socket has written the frame", async () => {
    const { app, peers } = await streamingSession({}, 3);
    const stream = new PointCloudStream({ key: "pc" });
    const seen = new Set<ArrayBufferLike>();
    for (let k = 0; k < 4; k++) {
      const { xyz, rgb } = cloud(k);
      const el = stream.next(xyz, rgb);
      seen.add(bufferOf(el));
      expect(app.scene.upsert(el)).toBe(3);
      for (const peer of peers) {
        const [node] = nodesOf(await peer.nextEvent((e) => e.etype === "UPSERT"));
        expect(bytes(node!.vertices).equals(bytes(toFloat16Bytes(xyz)))).toBe(true);
      }
      await waitFor(() => stream.buffers.free === 1);
    }
    expect(seen.size).toBe(1);
    // The scene holds the newest cloud (what a late joiner is sent).
    const held = app.scene.graph.scene.children?.find((n) => typeof n === "object" && n.key === "pc");
    expect(
      bytes((held as unknown as { vertices: Uint8Array }).vertices).equals(bytes(toFloat16Bytes(cloud(3).xyz))),
    ).toBe(true);
  });

  test("a scene nobody views yet: the frame went nowhere, so the buffer is filled again at once", async () => {
    const { app } = await startVuer();
    const stream = new PointCloudStream({ key: "pc" });
    const seen = new Set<ArrayBufferLike>();
    for (let k = 0; k < 3; k++) {
      const { xyz, rgb } = cloud(k);
      const el = stream.next(xyz, rgb);
      seen.add(bufferOf(el));
      expect(app.scene.upsert(el)).toBe(0);
    }
    expect(seen.size).toBe(1);
  });

  test("with per-message compression (compressed asynchronously, not followed) each cloud gets a buffer of its own", async () => {
    const { sessions, peers } = await streamingSession({ perMessageDeflate: true });
    const [session] = sessions as [VuerSession];
    const [peer] = peers;
    expect((session.socket as unknown as { _extensions: object })._extensions).toHaveProperty("permessage-deflate");
    const stream = new PointCloudStream({ key: "pc" });
    const seen = new Set<ArrayBufferLike>();
    for (let k = 0; k < 3; k++) {
      const { xyz, rgb } = cloud(k);
      const el = stream.next(xyz, rgb);
      seen.add(bufferOf(el));
      session.upsert(el);
      const [node] = nodesOf(await peer!.nextEvent((e) => e.etype === "UPSERT"));
      expect(bytes(node!.vertices).equals(bytes(toFloat16Bytes(xyz)))).toBe(true);
      await session.drained();
    }
    expect(seen.size).toBe(3);
    expect(stream.buffers).toEqual({ held: 1, free: 0 }); // the last one, given up at the next cloud
  });

  test("over TLS: the encrypted socket's write callbacks free the buffer too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vuer-stream-tls-"));
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    const subject = ["-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert];
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", ...subject], {
      stdio: "ignore",
    });
    const { app, url } = await startVuer({ cert, key });
    const spawned = deferred<VuerSession>();
    app.spawn(async (s) => {
      spawned.resolve(s);
      await s.forever();
    });
    const peer = await connectTestClient(url, { rejectUnauthorized: false });
    trackLeftover(() => peer.close());
    peer.send(encodeFrame({ ts: 0, etype: "INIT", value: { client: "test" } }));
    const session = await spawned.promise;
    const stream = new PointCloudStream({ key: "pc" });
    const seen = new Set<ArrayBufferLike>();
    for (let k = 0; k < 3; k++) {
      const { xyz, rgb } = cloud(k);
      const el = stream.next(xyz, rgb);
      seen.add(bufferOf(el));
      expect(session.upsert(el)).toBe("sent");
      const frame = await peer.next((m) => typeof m !== "string");
      const [node] = nodesOf(decodeFrame(frame) as never);
      expect(bytes(node!.vertices).equals(bytes(toFloat16Bytes(xyz)))).toBe(true);
      await waitFor(() => stream.buffers.free === 1);
    }
    expect(seen.size).toBe(1);
  });

  test("a frame encodeFrame handed out keeps its buffer: the next cloud goes elsewhere", () => {
    const stream = new PointCloudStream({ key: "pc" });
    const a = cloud(1);
    const first = stream.next(a.xyz, a.rgb);
    const frame = encodeFrame(upsertEvent(first));
    const copy = Buffer.from(frame);
    expect(frame.buffer).toBe(bufferOf(first)); // written in place: the caller now owns that buffer
    const b = cloud(2);
    const second = stream.next(b.xyz, b.rgb);
    expect(bufferOf(second)).not.toBe(bufferOf(first));
    expect(bytes(frame).equals(copy)).toBe(true);
    expect(stream.buffers).toEqual({ held: 1, free: 0 });
  });

  test("frames that wait in a slow client's queue keep their buffers and arrive intact", async () => {
    // Clouds of 1.8 MB, each in a later tick, until some had to wait in the queue (the kernel's socket buffers take
    // the first few while the client does not read; how many depends on the host's TCP settings).
    const { sessions, peers } = await streamingSession({ sendHighWaterMark: 1, queueBytes: 256 * 1024 * 1024 });
    const [session] = sessions as [VuerSession];
    const [peer] = peers;
    peer!.ws.pause();
    const stream = new PointCloudStream({ key: "pc" });
    const sent: Float32Array[] = [];
    let queued = 0;
    for (let k = 0; queued < 3 && k < 60; k++) {
      const { xyz, rgb } = cloud(k, 200_000);
      sent.push(xyz);
      if (session.upsert(stream.next(xyz, rgb)) === "queued") queued++;
      await new Promise((r) => setImmediate(r)); // a later tick: what the socket holds now counts as lag
    }
    expect(queued).toBe(3);
    // More clouds while those wait: none may land in a buffer a queued or unwritten frame still lives in.
    for (let k = 0; k < 4; k++) {
      const { xyz, rgb } = cloud(100 + k, 200_000);
      stream.next(xyz, rgb);
    }
    peer!.ws.resume();
    await waitFor(() => peer!.received.filter((m) => typeof m !== "string").length >= sent.length, {
      timeoutMs: 20_000,
    });
    const got = peer!.received
      .filter((m): m is Uint8Array => typeof m !== "string")
      .map((m) => nodesOf(decodeFrame(m) as never)[0]!.vertices as Uint8Array);
    expect(got.length).toBe(sent.length);
    for (const [k, v] of got.entries()) {
      expect(bytes(v).equals(bytes(toFloat16Bytes(sent[k] as Float32Array))), `cloud ${k}`).toBe(true);
    }
    expect(session.stats.dropped).toBe(0);
  }, 30_000);

  test("small clouds (no in-place layout) are built as PointCloud builds them", () => {
    const stream = new PointCloudStream({ key: "small" });
    const xyz = new Float32Array([0, 1, 2, 3, 4, 5]);
    const el = stream.next(xyz, new Uint8Array([1, 2, 3, 4, 5, 6]));
    expect(
      bytes(frameOf(el)).equals(
        bytes(frameOf(PointCloud({ key: "small", vertices: xyz, colors: new Uint8Array([1, 2, 3, 4, 5, 6]) }))),
      ),
    ).toBe(true);
    expect(stream.buffers).toEqual({ held: 0, free: 0 });
  });
});
