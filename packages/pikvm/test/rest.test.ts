import { mkdir, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { disposeLeftovers, tempDir } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { crc32 } from "../src/server/render/png.js";
import { AUTH, INFO_FIELDS_SORTED, rawClient, startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

const post = (url: string, body?: string) =>
  fetch(url, { method: "POST", headers: AUTH, ...(body !== undefined ? { body } : {}) });

/** Decodes our PNG: checks signature and every chunk's CRC, returns size and raw RGB rows. */
function decodePng(buf: Buffer): { width: number; height: number; rows: Buffer[] } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString("ascii", off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    expect(buf.readUInt32BE(off + 8 + len)).toBe(crc32(buf.subarray(off + 4, off + 8 + len)));
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9]]).toEqual([8, 2]);
    }
    if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3 + 1;
  expect(raw.length).toBe(stride * height);
  return {
    width,
    height,
    rows: Array.from({ length: height }, (_, y) => raw.subarray(y * stride + 1, (y + 1) * stride)),
  };
}

describe("kvmd REST subset", () => {
  test("envelope, auth and 404", async () => {
    const s = await startEmulator();
    const ok = await fetch(`${s.url}/api/auth/check`, { headers: AUTH });
    expect(ok.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await ok.text()).toBe('{\n    "ok": true,\n    "result": {}\n}');
    expect((await fetch(`${s.url}/api/auth/check`)).status).toBe(401);
    expect((await fetch(`${s.url}/api/hid`, { headers: { ...AUTH, "X-KVMD-Passwd": "x" } })).status).toBe(403);
    const nf = await fetch(`${s.url}/api/nope`, { headers: AUTH });
    expect(nf.status).toBe(404);
    expect((await nf.json()).ok).toBe(false);
    expect((await fetch(`${s.url}/api/hid/reset`, { headers: AUTH })).status).toBe(405);
    await s.close();
  });

  test("info with fields, hid state, keymaps, streamer, gpio, msd, switch", async () => {
    const s = await startEmulator();
    const get = async (p: string) => (await (await fetch(`${s.url}${p}`, { headers: AUTH })).json()).result;
    expect(Object.keys(await get("/api/info?fields=auth,node"))).toEqual(["auth", "node"]);
    expect(Object.keys(await get("/api/info?legacy=0")).sort()).toEqual(INFO_FIELDS_SORTED);
    expect((await get("/api/info?fields=system")).system.kvmd.version).toBe("4.206");
    expect((await get("/api/hid")).mouse.absolute).toBe(true);
    expect((await get("/api/hid/keymaps")).keymaps.default).toBe("en-us");
    expect((await get("/api/streamer")).streamer.source.online).toBe(true);
    expect((await get("/api/streamer/ocr")).ocr.enabled).toBe(true);
    expect((await get("/api/gpio")).state.outputs).toBeDefined();
    expect((await get("/api/msd")).enabled).toBe(true);
    expect((await get("/api/switch")).model.ports).toEqual([]);
    await s.close();
  });

  test("hid events, print, shortcut, set_params (broadcast), reset, validation errors", async () => {
    const s = await startEmulator();
    const ws = await rawClient(s.wsUrl);
    expect((await post(`${s.url}/api/hid/events/send_key?key=KeyQ&state=1`)).status).toBe(200);
    expect(s.emu.hid.snapshot().keys).toEqual(["KeyQ"]);
    await post(`${s.url}/api/hid/reset`);
    expect(s.emu.hid.snapshot().keys).toEqual([]);
    await post(`${s.url}/api/hid/events/send_key?key=KeyX`); // press + release
    expect(s.emu.hid.snapshot().keys).toEqual([]);
    await post(`${s.url}/api/hid/print?limit=0`, "Hello, World!\n2+2=4");
    expect(s.emu.console.typed).toBe("qxHello, World!\n2+2=4");
    await post(`${s.url}/api/hid/events/send_shortcut?keys=ControlLeft,KeyC`);
    expect(s.emu.hid.log.slice(-4).map((e) => e.type === "key" && `${e.key}:${e.state}`)).toEqual([
      "ControlLeft:true",
      "KeyC:true",
      "KeyC:false",
      "ControlLeft:false",
    ]);
    await post(`${s.url}/api/hid/events/send_mouse_move?to_x=100&to_y=-200`);
    await post(`${s.url}/api/hid/events/send_mouse_button?button=right`);
    await post(`${s.url}/api/hid/events/send_mouse_wheel?delta_x=0&delta_y=-5`);
    await post(`${s.url}/api/hid/events/send_mouse_relative?delta_x=300&delta_y=1`);
    expect(s.emu.hid.snapshot()).toMatchObject({
      mouse: { x: 100, y: -200 },
      wheel: { x: 0, y: -5 },
      relative: { x: 127, y: 1 },
    });
    const bad = await post(`${s.url}/api/hid/events/send_key?key=Nope`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).result.error).toBe("ValidatorError");
    expect((await post(`${s.url}/api/hid/events/send_key?key=KeyA&state=maybe`)).status).toBe(400);
    await post(`${s.url}/api/hid/set_params?mouse_output=usb_rel&jiggler=0`);
    const hidEv = await ws.nextJson((e: any) => e.event_type === "hid" && e.event.mouse.outputs.active === "usb_rel");
    expect(hidEv.event).toMatchObject({ mouse: { absolute: false }, jiggler: { enabled: true, active: false } });
    // The print limit truncates, as kvmd's default of 1024 characters does.
    await post(`${s.url}/api/hid/print?limit=3`, "\nabcdef");
    expect(s.emu.console.typed.endsWith("\nab")).toBe(true);
    await ws.close();
    await s.close();
  });

  test("atx: state, click with wait, power actions, busy 409, atx events", async () => {
    const s = await startEmulator({ atxClickDelayMs: 30 });
    const ws = await rawClient(s.wsUrl);
    const state = async () => (await (await fetch(`${s.url}/api/atx`, { headers: AUTH })).json()).result;
    expect((await state()).leds.power).toBe(true);
    const pending = post(`${s.url}/api/atx/click?button=power&wait=1`);
    await ws.nextJson((e: any) => e.event_type === "atx" && e.event.busy === true);
    const busy = await post(`${s.url}/api/atx/click?button=reset`);
    expect(busy.status).toBe(409);
    expect((await pending).status).toBe(200);
    expect((await state()).leds.power).toBe(false);
    expect(s.emu.console.powered).toBe(false);
    await post(`${s.url}/api/atx/power?action=on&wait=1`);
    expect((await state()).leds.power).toBe(true);
    expect((await post(`${s.url}/api/atx/power?action=explode`)).status).toBe(400);
    await ws.close();
    await s.close();
  });

  test("snapshot: a valid PNG of the console that changes with typing; ocr=1 gives the text", async () => {
    const s = await startEmulator();
    const snap = async () =>
      Buffer.from(await (await fetch(`${s.url}/api/streamer/snapshot?format=png`, { headers: AUTH })).arrayBuffer());
    const before = decodePng(await snap());
    expect([before.width, before.height]).toEqual([964, 454]);
    s.emu.typeText("hello");
    const after = decodePng(await snap());
    // The second text line (rows 2*(1+9)..) gained lit pixels; the banner line is unchanged.
    const lit = (img: typeof before, y0: number, y1: number) =>
      img.rows.slice(y0, y1).reduce((n, r) => n + r.filter((_, i) => i % 3 === 1 && r[i] === 0xff).length, 0);
    expect(lit(before, 20, 38)).toBe(0);
    expect(lit(after, 20, 38)).toBeGreaterThan(50);
    expect(lit(after, 0, 18)).toBe(lit(before, 0, 18));
    const ocr = await fetch(`${s.url}/api/streamer/snapshot?ocr=1`, { headers: AUTH });
    expect(await ocr.text()).toBe("PiKVM emulator virtual console\nhello\n");
    await s.close();
  });

  test("staticDir: files and index.html, decoded paths; bad escapes and traversal are 404, not a crash", async () => {
    const dir = tempDir("pikvm-static-");
    await mkdir(join(dir, "kvm"));
    await writeFile(join(dir, "kvm", "index.html"), "<p>kvm</p>");
    await writeFile(join(dir, "a b.css"), "p{}");
    const s = await startEmulator({ staticDir: dir });
    const kvm = await fetch(`${s.url}/kvm/`, { headers: AUTH });
    expect([kvm.status, kvm.headers.get("content-type"), await kvm.text()]).toEqual([
      200,
      "text/html; charset=utf-8",
      "<p>kvm</p>",
    ]);
    expect(await (await fetch(`${s.url}//a%20b.css`, { headers: AUTH })).text()).toBe("p{}");
    // Raw request targets (fetch would normalise them): a broken escape and a way out of the directory.
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: s.addr.host, port: s.addr.port, path, headers: AUTH }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await status("/%E0%A4%A")).toBe(404);
    expect(await status("/../../../../etc/passwd")).toBe(404);
    expect(await status("/%2e%2e/%2e%2e/etc/passwd")).toBe(404);
    expect(await status("/api/w%73")).toBe(400); // the WebSocket route, decoded: not an upgrade
    await s.close();
  });

  test("body limit: 413 in kvmd's envelope", async () => {
    const s = await startEmulator({ maxBodyBytes: 100 });
    const r = await post(`${s.url}/api/hid/print`, "a".repeat(1000));
    expect(r.status).toBe(413);
    expect((await r.json()).ok).toBe(false);
    await s.close();
  });
});
