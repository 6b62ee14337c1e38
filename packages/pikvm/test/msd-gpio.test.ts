import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { disposeLeftovers, tempDir } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { AUTH, rawClient, startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

const post = (url: string, init: RequestInit = {}) => fetch(url, { method: "POST", headers: AUTH, ...init });
const result = async (r: Response) => ({ status: r.status, body: (await r.json()) as any });

describe("msd", () => {
  test("upload streamed with progress events, select, connect, refusals, remove, reset; temp dir removed", {
    timeout: 60_000,
  }, async () => {
    const s = await startEmulator({ msdStorageBytes: 1024 * 1024 });
    const ws = await rawClient(s.wsUrl);
    const st0 = (await result(await fetch(`${s.url}/api/msd`, { headers: AUTH }))).body.result;
    expect(st0).toMatchObject({ enabled: true, online: true, busy: false, drive: { image: null, connected: false } });
    expect(st0.storage.parts[""]).toEqual({ size: 1024 * 1024, free: 1024 * 1024, writable: true });
    const dir = await s.emu.msd.dir();
    expect(existsSync(dir)).toBe(true);
    // 300 KiB in 10 chunks, streamed: the state reports the upload while it runs.
    const data = Buffer.alloc(300 * 1024, 7);
    const chunks = Array.from({ length: 10 }, (_, i) => data.subarray(i * 30720, (i + 1) * 30720));
    const body = new ReadableStream({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    });
    const upload = post(`${s.url}/api/msd/write?image=boot.iso`, {
      body,
      headers: { ...AUTH, "Content-Length": String(data.length) },
      duplex: "half",
    } as RequestInit);
    const progress = await ws.nextJson((e: any) => e.event_type === "msd" && e.event.storage.uploading?.written > 0);
    expect(progress.event.storage.uploading).toMatchObject({ name: "boot.iso", size: data.length });
    expect(progress.event.busy).toBe(true);
    const done = await result(await upload);
    expect(done.body.result).toEqual({ image: { name: "boot.iso", size: data.length, written: data.length } });
    expect((await readFile(join(dir, "boot.iso"))).equals(data)).toBe(true);
    await ws.nextJson((e: any) => e.event_type === "msd" && e.event.storage.uploading === null);
    // Refusals: the same name again, more than fits, an unsafe name, remote download (the emulator is offline).
    const again = await result(await post(`${s.url}/api/msd/write?image=boot.iso`, { body: "x" }));
    expect([again.status, again.body.result.error]).toEqual([400, "MsdImageExistsError"]);
    const big = await result(await post(`${s.url}/api/msd/write?image=big.iso`, { body: Buffer.alloc(800 * 1024) }));
    expect([big.status, big.body.result.error]).toEqual([400, "MsdStorageFullError"]);
    const evil = await result(await post(`${s.url}/api/msd/write?image=../../etc/x`, { body: "x" }));
    expect([evil.status, evil.body.result.error]).toEqual([400, "ValidatorError"]);
    const remote = await result(await post(`${s.url}/api/msd/write_remote?url=http://example.com/a.iso`));
    expect([remote.status, remote.body.result.error]).toEqual([400, "ClientConnectorError"]);
    // Connect needs a selected image; while connected, params and removal are refused.
    const noImage = await result(await post(`${s.url}/api/msd/set_connected?connected=1`));
    expect(noImage.body.result.error).toBe("MsdImageNotSelected");
    expect((await post(`${s.url}/api/msd/set_params?image=nope.iso`)).status).toBe(400);
    expect((await post(`${s.url}/api/msd/set_params?image=boot.iso&cdrom=1`)).status).toBe(200);
    expect((await post(`${s.url}/api/msd/set_connected?connected=1`)).status).toBe(200);
    const st = (await result(await fetch(`${s.url}/api/msd`, { headers: AUTH }))).body.result;
    expect(st.drive).toMatchObject({ connected: true, cdrom: true, image: { name: "boot.iso", size: data.length } });
    expect(st.storage.parts[""].free).toBe(1024 * 1024 - data.length);
    expect((await result(await post(`${s.url}/api/msd/remove?image=boot.iso`))).body.result.error).toBe(
      "MsdConnectedError",
    );
    expect((await post(`${s.url}/api/msd/reset`)).status).toBe(200);
    expect((await post(`${s.url}/api/msd/remove?image=boot.iso`)).status).toBe(200);
    expect(existsSync(join(dir, "boot.iso"))).toBe(false);
    await ws.close();
    await s.close();
    expect(existsSync(dir)).toBe(false);
  });

  test("msdDir: existing images are listed and kept after close", { timeout: 60_000 }, async () => {
    const dir = tempDir("pikvm-msd-test-");
    await writeFile(join(dir, "disk.img"), Buffer.alloc(1000));
    const s = await startEmulator({ msdDir: dir });
    const st = (await result(await fetch(`${s.url}/api/msd`, { headers: AUTH }))).body.result;
    expect(st.storage.images["disk.img"]).toMatchObject({ size: 1000, complete: true });
    await s.close();
    expect(existsSync(join(dir, "disk.img"))).toBe(true);
  });
});

test("a cross-site text/plain POST to msd/write, gpio/switch or streamer/set_params is refused (403), no effect", {
  timeout: 60_000,
}, async () => {
  const s = await startEmulator();
  for (const path of [
    "/api/msd/write?image=x.iso",
    "/api/gpio/switch?channel=__v3_usb_breaker__&state=0",
    "/api/streamer/set_params?quality=5",
  ]) {
    const r = await fetch(`${s.url}${path}`, {
      method: "POST",
      headers: { ...AUTH, Origin: "http://evil.example", "Content-Type": "text/plain" },
      body: "data",
    });
    expect([path, r.status, (await r.json()).result.error]).toEqual([path, 403, "HTTPForbidden"]);
  }
  expect(s.emu.msd.state().storage).toMatchObject({ images: {} });
  expect((s.emu.gpio.state() as any).state.outputs.__v3_usb_breaker__.state).toBe(true);
  expect(s.emu.streamer.params.quality).toBe(80);
  await s.close();
});

describe("gpio, metrics, shortcut wait", () => {
  test("a configured model: state, switch, pulse (busy, then off), inputs, events, refusals", {
    timeout: 60_000,
  }, async () => {
    const s = await startEmulator({
      gpio: {
        inputs: { led: {} },
        outputs: {
          relay: { switch: true, pulse: { delay: 0, min_delay: 0, max_delay: 0 } },
          button: { switch: false, pulse: { delay: 0.05, min_delay: 0.01, max_delay: 0.1 } },
        },
      },
    });
    const ws = await rawClient(s.wsUrl);
    const st = (await result(await fetch(`${s.url}/api/gpio`, { headers: AUTH }))).body.result;
    expect(Object.keys(st.model.scheme.outputs)).toEqual(["button", "relay"]); // kvmd sorts keys
    expect(st.state).toEqual({
      inputs: { led: { online: true, state: false } },
      outputs: {
        relay: { online: true, state: false, busy: false },
        button: { online: true, state: false, busy: false },
      },
    });
    expect((await post(`${s.url}/api/gpio/switch?channel=relay&state=1`)).status).toBe(200);
    const sw = await ws.nextJson((e: any) => e.event_type === "gpio" && e.event.state?.outputs?.relay?.state === true);
    expect(sw.event).toEqual({ state: { outputs: { relay: { online: true, state: true, busy: false } } } });
    expect((await post(`${s.url}/api/gpio/pulse?channel=button&wait=1`)).status).toBe(200);
    await ws.nextJson((e: any) => e.event_type === "gpio" && e.event.state?.outputs?.button?.busy === true);
    await ws.nextJson((e: any) => e.event_type === "gpio" && e.event.state?.outputs?.button?.busy === false);
    s.emu.gpio.setInput("led", true);
    await ws.nextJson((e: any) => e.event_type === "gpio" && e.event.state?.inputs?.led?.state === true);
    for (const [q, error] of [
      ["switch?channel=nope&state=1", "GpioChannelNotFoundError"],
      ["switch?channel=button&state=1", "GpioSwitchNotSupported"],
      ["pulse?channel=relay", "GpioPulseNotSupported"],
      ["switch?channel=relay&state=maybe", "ValidatorError"],
    ]) {
      const r = await result(await post(`${s.url}/api/gpio/${q}`));
      expect([q, r.status, r.body.result.error]).toEqual([q, 400, error]);
    }
    // Prometheus metrics: gauges in the text format.
    const m = await fetch(`${s.url}/api/export/prometheus/metrics`, { headers: AUTH });
    expect(m.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await m.text();
    expect(text).toContain("# TYPE pikvm_atx_power gauge\npikvm_atx_power 1\n");
    expect(text).toContain("pikvm_gpio_output_state_relay 1\n");
    expect(text).toContain("pikvm_gpio_input_state_led 1\n");
    expect((await fetch(`${s.url}/api/export/prometheus/metrics`)).status).toBe(401);
    // send_shortcut with wait: every key event still lands, in order.
    expect((await post(`${s.url}/api/hid/events/send_shortcut?keys=ControlLeft,KeyA&wait=5`)).status).toBe(200);
    expect(s.emu.hid.log.slice(-4).map((e) => e.type === "key" && `${e.key}:${e.state}`)).toEqual([
      "ControlLeft:true",
      "KeyA:true",
      "KeyA:false",
      "ControlLeft:false",
    ]);
    await ws.close();
    await s.close();
  });
});
