import { disposeLeftovers } from "@proj/ws-core/testing";
import jpeg from "jpeg-js";
import { afterEach, expect, test } from "vitest";
import { pixelToKvmd } from "../src/protocol/coordinates.js";
import { AUTH, rawClient, settle, startEmulator } from "./helpers.js";
import { openMjpeg, pixel } from "./mjpeg-reader.js";

afterEach(disposeLeftovers);

const post = (url: string) => fetch(url, { method: "POST", headers: AUTH });
const bright = (p: number[]) => Math.min(...p) > 180;

test("MJPEG: JPEG frames of the console, a new one on each change, clients_stat with the viewer's key", {
  timeout: 60_000,
}, async () => {
  const s = await startEmulator({ streamKeepaliveMs: 0 });
  const ws = await rawClient(s.wsUrl);
  const m = await openMjpeg(`${s.url}/streamer/stream?key=k1`);
  expect(m.res.statusCode).toBe(200);
  expect(m.res.headers["content-type"]).toBe("multipart/x-mixed-replace;boundary=boundarydonotcross");
  const cookie = String(m.res.headers["set-cookie"]);
  const id = /stream_client=k1\/(\d+);/.exec(cookie)?.[1] as string;
  expect(id).toBeTruthy();
  // The web UI looks for its own id in clients_stat.
  const ev = await ws.nextJson((e: any) => e.event_type === "streamer" && e.event.streamer?.stream.clients === 1);
  expect(ev.event.streamer.stream.clients_stat[id]).toMatchObject({ key: "k1", advance_headers: false });
  const first = await m.part(0);
  expect(first.headers["content-type"]).toBe("image/jpeg");
  expect(Number(first.headers["content-length"])).toBe(first.jpeg.length);
  expect([first.image.width, first.image.height]).toEqual([964, 454]);
  // Typing changes the picture: the second text line lights up.
  const lit = (img: typeof first.image) => {
    let n = 0;
    for (let y = 20; y < 38; y++) for (let x = 0; x < 200; x++) if ((pixel(img, x, y)[1] as number) > 180) n++;
    return n;
  };
  expect(lit(first.image)).toBe(0);
  s.emu.typeText("hi");
  const second = await m.part(1);
  expect(lit(second.image)).toBeGreaterThan(10);
  // An absolute move: the pointer is drawn with its tip on that pixel.
  const to = pixelToKvmd(300, 100, { width: 964, height: 454 });
  expect(bright(pixel(second.image, 303, 108))).toBe(false);
  await post(`${s.url}/api/hid/events/send_mouse_move?to_x=${to.x}&to_y=${to.y}`);
  let frame = await m.part(2);
  for (let n = 3; frame.image && !bright(pixel(frame.image, 303, 108)); n++) frame = await m.part(n);
  expect(bright(pixel(frame.image, 303, 108))).toBe(true);
  expect(s.emu.log.records.at(-1)?.msg).toContain("= pixel (300, 100) of 964x454");
  // No change, no frame: the count of encoded frames stays put while a ping round trip passes.
  const encoded = s.emu.streamer.encoded;
  await settle(ws);
  expect(s.emu.streamer.encoded).toBe(encoded);
  m.close();
  const gone = await ws.nextJson((e: any) => e.event_type === "streamer" && e.event.streamer?.stream.clients === 0);
  expect(gone.event.streamer.stream.clients_stat).toEqual({});
  await ws.close();
  await s.close();
});

test("keep-alive frames, advance_headers, resolution and quality honoured, reset cuts viewers", {
  timeout: 60_000,
}, async () => {
  const s = await startEmulator({ streamKeepaliveMs: 30 });
  const a = await openMjpeg(`${s.url}/streamer/stream?key=adv&advance_headers=1`);
  // advance_headers: the first part's headers come at once, and parts carry no Content-Length.
  const f0 = await a.part(0);
  expect(a.head.toString("latin1").startsWith("--boundarydonotcross\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8")).toBe(
    true,
  );
  expect(f0.headers["content-length"]).toBeUndefined();
  // Nothing changes: the same frame comes again as a keep-alive, without a new encoding.
  const encoded = s.emu.streamer.encoded;
  const f1 = await a.part(1);
  expect(f1.jpeg.equals(f0.jpeg)).toBe(true);
  expect(s.emu.streamer.encoded).toBe(encoded);
  const state = (await (await fetch(`${s.url}/api/streamer`, { headers: AUTH })).json()).result;
  expect(Object.values(state.streamer.stream.clients_stat)).toMatchObject([{ key: "adv", advance_headers: true }]);

  await post(`${s.url}/api/streamer/set_params?resolution=482x227&quality=95`);
  let n = 2;
  let f = await a.part(n);
  while (f.image.width !== 482) f = await a.part(++n);
  expect([f.image.width, f.image.height]).toEqual([482, 227]);
  const hiQ = f.jpeg;
  await post(`${s.url}/api/streamer/set_params?quality=5`);
  while (f.jpeg.equals(hiQ)) f = await a.part(++n);
  expect(f.jpeg.length).toBeLessThan(hiQ.length);

  // Snapshots follow the stream's resolution; PNG on request; preview is a fifth of the size.
  const snap = await fetch(`${s.url}/api/streamer/snapshot`, { headers: AUTH });
  expect(snap.headers.get("content-type")).toBe("image/jpeg");
  const img = jpeg.decode(Buffer.from(await snap.arrayBuffer()), { useTArray: true });
  expect([img.width, img.height]).toEqual([482, 227]);
  const png = await fetch(`${s.url}/api/streamer/snapshot?format=png`, { headers: AUTH });
  expect(png.headers.get("content-type")).toBe("image/png");
  const prev = await fetch(`${s.url}/api/streamer/snapshot?preview=1`, { headers: AUTH });
  const pimg = jpeg.decode(Buffer.from(await prev.arrayBuffer()), { useTArray: true });
  expect([pimg.width, pimg.height]).toEqual([96, 45]);

  // reset: the streamer restarts, viewers are cut (the web UI reconnects).
  const ended = new Promise((r) => a.res.on("close", r));
  await post(`${s.url}/api/streamer/reset`);
  await ended;
  expect(s.emu.streamer.clients).toBe(0);
  a.close();
  await s.close();
});

test("snapshot save/load/delete, offline without allow_offline is 503, too many viewers 503", {
  timeout: 60_000,
}, async () => {
  const s = await startEmulator({ maxStreamClients: 1, streamKeepaliveMs: 0 });
  const ws = await rawClient(s.wsUrl);
  const get = (q: string) => fetch(`${s.url}/api/streamer/snapshot${q}`, { headers: AUTH });
  expect((await get("?load=1")).status).toBe(503);
  s.emu.typeText("saved");
  expect((await get("?save=1")).status).toBe(200);
  const ev = await ws.nextJson((e: any) => e.event_type === "streamer" && e.event.snapshot?.saved);
  expect(ev.event.snapshot.saved).toEqual({ online: true, width: 964, height: 454 });
  s.emu.typeText(" more");
  const loaded = Buffer.from(await (await get("?load=1")).arrayBuffer());
  const now = Buffer.from(await (await get("")).arrayBuffer());
  expect(loaded.equals(now)).toBe(false);
  const del = await fetch(`${s.url}/api/streamer/snapshot`, { method: "DELETE", headers: AUTH });
  expect((await del.json()).ok).toBe(true);
  expect((await get("?load=1")).status).toBe(503);
  await post(`${s.url}/api/atx/power?action=off&wait=1`);
  const off = await get("");
  expect([off.status, (await off.json()).result.error]).toEqual([503, "UnavailableError"]);
  const offline = await get("?allow_offline=1");
  expect([offline.status, offline.headers.get("x-ustreamer-online")]).toEqual([200, "false"]);
  const one = await openMjpeg(`${s.url}/streamer/stream`);
  await one.part(0);
  const two = await fetch(`${s.url}/streamer/stream`, { headers: AUTH });
  expect(two.status).toBe(503);
  one.close();
  await ws.close();
  await s.close();
});
