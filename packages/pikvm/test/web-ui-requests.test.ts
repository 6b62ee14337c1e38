// The request sequences the real kvmd web UI and aiopikvm make, replayed with real HTTP (issue 16's defects).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { disposeLeftovers, tempDir } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { AUTH, rawClient, startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

const post = (url: string) => fetch(url, { method: "POST", headers: AUTH });
const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as any });

/** Reads a streaming text body until `want` shows up in it. */
async function readUntil(body: ReadableStream<Uint8Array>, want: string): Promise<string> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let text = "";
  while (!text.includes(want)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${JSON.stringify(want)}: ${text}`);
    text += dec.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

describe("info", () => {
  test("extras is a dict; the legacy answer has kvmd's hw block; unknown fields are a 400 ValidatorError", {
    timeout: 60_000,
  }, async () => {
    const s = await startEmulator();
    const get = async (q: string) => json(await fetch(`${s.url}/api/info${q}`, { headers: AUTH }));
    // What the UI's index page asks for.
    const index = await get("?legacy=0&fields=auth,node,meta,extras");
    expect(index.status).toBe(200);
    expect(Object.keys(index.body.result)).toEqual(["auth", "extras", "meta", "node"]);
    expect(index.body.result.extras).toEqual({});
    // Legacy (the default): hw = health + platform, platform taken out of system, no health field.
    const legacy = (await get("")).body.result;
    expect(Object.keys(legacy)).toEqual(["auth", "extras", "fan", "hw", "meta", "node", "system", "uptime"]);
    expect(legacy.hw.platform.model).toBe("v3");
    expect(legacy.hw.health.mem.total).toBeGreaterThan(0);
    expect(legacy.system.platform).toBeUndefined();
    expect(legacy.system.kvmd.version).toBe("4.206");
    expect(Object.keys((await get("?fields=hw")).body.result)).toEqual(["hw"]);
    expect((await get("?legacy=0&fields=health")).body.result.health.cpu).toBeDefined();
    for (const q of ["?fields=bogus", "?legacy=0&fields=hw", "?fields=auth,bogus", "?legacy=maybe"]) {
      const bad = await get(q);
      expect([bad.status, bad.body.result.error]).toEqual([400, "ValidatorError"]);
    }
    expect((await get("?fields=bogus")).body.result.error_msg).toBe("The argument 'bogus' is not a valid info field");
    await s.close();
  });
});

describe("hid set_params", () => {
  test("jiggler switches `active`, only where the jiggler is enabled; outputs are validated", {
    timeout: 60_000,
  }, async () => {
    const s = await startEmulator();
    const ws = await rawClient(s.wsUrl);
    expect((await post(`${s.url}/api/hid/set_params?jiggler=1`)).status).toBe(200);
    const on = await ws.nextJson((e: any) => e.event_type === "hid" && e.event.jiggler.active === true);
    expect(on.event.jiggler).toEqual({ enabled: true, active: true, interval: 60 });
    await post(`${s.url}/api/hid/set_params?jiggler=0`);
    const off = await ws.nextJson((e: any) => e.event_type === "hid" && e.event.jiggler.active === false);
    expect(off.event.jiggler.enabled).toBe(true);
    for (const [q, label] of [
      ["mouse_output=bogus", "Mouse output"],
      ["keyboard_output=bogus", "Keyboard output"],
    ]) {
      const bad = await json(await post(`${s.url}/api/hid/set_params?${q}`));
      expect([bad.status, bad.body.result.error, bad.body.result.error_msg]).toEqual([
        400,
        "ValidatorError",
        `The argument 'bogus' is not a valid ${label}`,
      ]);
    }
    // A value kvmd knows but this device lacks is accepted and changes nothing.
    expect((await post(`${s.url}/api/hid/set_params?mouse_output=ps2`)).status).toBe(200);
    expect(s.emu.hid.mouseOutput).toBe("usb");
    await ws.close();
    await s.close();

    const off2 = await startEmulator({ jigglerEnabled: false });
    await post(`${off2.url}/api/hid/set_params?jiggler=1`);
    expect(off2.emu.hid.jiggler).toEqual({ enabled: false, active: false, interval: 60 });
    await off2.close();
  });
});

describe("streamer and log", () => {
  test("set_params (quality, desired_fps, resolution) with streamer events; reset; refusals", {
    timeout: 60_000,
  }, async () => {
    const s = await startEmulator();
    const ws = await rawClient(s.wsUrl);
    expect((await post(`${s.url}/api/streamer/set_params?quality=50`)).status).toBe(200);
    const ev = await ws.nextJson((e: any) => e.event_type === "streamer" && e.event.params?.quality === 50);
    expect(ev.event.applied.quality).toBe(50);
    expect(ev.event.limits.available_resolutions).toContain("964x454");
    await post(`${s.url}/api/streamer/set_params?desired_fps=10&resolution=482x227`);
    const state = (await json(await fetch(`${s.url}/api/streamer`, { headers: AUTH }))).body.result;
    expect(state.params).toEqual({ desired_fps: 10, quality: 50, resolution: "482x227" });
    expect(state.streamer.source.resolution).toEqual({ width: 482, height: 227 });
    // A resolution outside the list is ignored, as kvmd does.
    await post(`${s.url}/api/streamer/set_params?resolution=100x100`);
    expect(s.emu.streamer.params.resolution).toBe("482x227");
    for (const q of ["quality=0", "quality=abc", "desired_fps=121", "resolution=big", "h264_bitrate=5000"]) {
      const bad = await json(await post(`${s.url}/api/streamer/set_params?${q}`));
      expect(bad.status).toBe(400);
      expect(bad.body.ok).toBe(false);
    }
    expect((await json(await post(`${s.url}/api/streamer/reset`))).body).toEqual({ ok: true, result: {} });
    await ws.close();
    await s.close();
  });

  test("/api/log: seek answers recent lines; follow streams new ones until the reader leaves", {
    timeout: 60_000,
  }, async () => {
    const s = await startEmulator();
    const login = await fetch(`${s.url}/api/auth/login`, { method: "POST", body: "user=admin&passwd=admin" });
    expect(login.status).toBe(200);
    const seek = await fetch(`${s.url}/api/log?seek=3600`, { headers: AUTH });
    expect(seek.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await seek.text();
    expect(text).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d kvmd\.service\] --- .*Logged in user "admin"\r\n$/);
    expect((await fetch(`${s.url}/api/log?seek=-1`, { headers: AUTH })).status).toBe(400);
    expect((await fetch(`${s.url}/api/log`)).status).toBe(401);

    const stop = new AbortController();
    const follow = await fetch(`${s.url}/api/log?seek=3600&follow=1`, { headers: AUTH, signal: stop.signal });
    const body = follow.body as ReadableStream<Uint8Array>;
    await readUntil(body, "Logged in");
    await post(`${s.url}/api/hid/events/send_mouse_move?to_x=32767&to_y=-32768`);
    const more = await readUntil(body, "Mouse move");
    expect(more).toContain("Mouse move to (32767, -32768) = pixel (963, 0) of 964x454");
    stop.abort();
    await s.close();
  });
});

describe("ocr", () => {
  test("ocr_langs validated; the rectangle reads only the characters inside it", { timeout: 60_000 }, async () => {
    const s = await startEmulator();
    s.emu.typeText("hello world\nsecond line");
    const ocr = async (q: string) => {
      const r = await fetch(`${s.url}/api/streamer/snapshot?ocr=1${q}`, { headers: AUTH });
      return { status: r.status, text: await r.text() };
    };
    expect((await ocr("&ocr_langs=eng")).text).toBe("PiKVM emulator virtual console\nhello world\nsecond line\n");
    const bad = await ocr("&ocr_langs=klingon");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).result.error_msg).toBe("The argument 'klingon' is not a valid OCR lang");
    // Cells are 12x18 px after a 2 px margin: the second line ("hello world") spans y 20..38; "hello" x 2..62.
    expect((await ocr("&ocr_left=0&ocr_top=20&ocr_right=62&ocr_bottom=38")).text).toBe("hello\n");
    expect((await ocr("&ocr_left=0&ocr_top=20&ocr_right=62&ocr_bottom=56")).text).toBe("hello\nsecon\n");
    // At half the resolution the same text sits at half the coordinates.
    await fetch(`${s.url}/api/streamer/set_params?resolution=482x227`, { method: "POST", headers: AUTH });
    expect((await ocr("&ocr_left=0&ocr_top=10&ocr_right=31&ocr_bottom=19")).text).toBe("hello\n");
    // An incomplete or inverted rectangle reads the whole screen, as kvmd does.
    expect((await ocr("&ocr_left=100&ocr_right=10")).text.split("\n")).toHaveLength(4);
    await s.close();
  });
});

describe("web UI pages", () => {
  test("unauthenticated pages redirect to /login/; login and /share/ are public; /streamer/stream needs a login", {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir("pikvm-ui-");
    for (const d of ["kvm", "login", "share"]) await mkdir(join(dir, d));
    await writeFile(join(dir, "index.html"), "<p>index</p>");
    await writeFile(join(dir, "kvm", "index.html"), "<p>kvm</p>");
    await writeFile(join(dir, "login", "index.html"), "<p>login</p>");
    await writeFile(join(dir, "share", "app.css"), "p{}");
    const s = await startEmulator({ staticDir: dir });
    for (const path of ["/", "/kvm/", "/kvm/index.html"]) {
      const r = await fetch(`${s.url}${path}`, { redirect: "manual" });
      expect([path, r.status, r.headers.get("location")]).toEqual([path, 302, "/login/"]);
    }
    expect(await (await fetch(`${s.url}/login/`)).text()).toBe("<p>login</p>");
    expect(await (await fetch(`${s.url}/share/app.css`)).text()).toBe("p{}");
    // After logging in (the cookie the login page gets), the pages are served.
    const login = await fetch(`${s.url}/api/auth/login`, { method: "POST", body: "user=admin&passwd=admin" });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    expect(await (await fetch(`${s.url}/kvm/`, { headers: { cookie } })).text()).toBe("<p>kvm</p>");
    const stream = await fetch(`${s.url}/streamer/stream`);
    expect(stream.status).toBe(401);
    expect((await stream.json()).result.error).toBe("UnauthorizedError");
    await s.close();
  });
});
