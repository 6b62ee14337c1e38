import { disposeLeftovers } from "@proj/ws-core/testing";
import { afterEach, expect, test } from "vitest";
import { APIError, AuthError, PiKVM } from "../src/node/index.js";
import { hidStateSchema } from "../src/protocol/rest-schemas.js";
import { startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

test("typed results, per-request headers and timeouts, log follow, shortcut wait, MSD, GPIO, metrics", {
  timeout: 60_000,
}, async () => {
  const s = await startEmulator({
    gpio: { inputs: { led: {} }, outputs: { relay: {} } },
  });
  const kvm = new PiKVM(s.url, { passwd: "admin" });
  // Every call's result is checked against its schema; a mismatch is a typed error, not a surprise later.
  const hid = await kvm.hid.getState();
  expect(hid.mouse.absolute).toBe(true);
  expect((await kvm.atx.getState()).leds.power).toBe(true);
  expect((await kvm.streamer.getState()).streamer?.source.resolution).toEqual({ width: 964, height: 454 });
  expect((await kvm.streamer.getOcrInfo()).ocr.langs.default).toEqual(["eng"]);
  expect((await kvm.hid.getKeymaps()).keymaps.default).toBe("en-us");
  expect(Object.keys(await kvm.info("extras", { legacy: false }))).toEqual(["extras"]);
  await expect(kvm.request("GET", "/api/atx", { schema: hidStateSchema })).rejects.toMatchObject({
    name: "APIError",
    error: "InvalidResponse",
  });
  // Per-request headers win over the client's credentials; a per-request timeout ends a call that would hang.
  await expect(kvm.hid.getState({ headers: { "X-KVMD-Passwd": "wrong" } })).rejects.toBeInstanceOf(AuthError);
  await expect(kvm.request("GET", "/api/log", { query: { follow: 1 }, timeout: 0.3 })).rejects.toThrow();

  // Log follow: lines arrive as they are written.
  const stop = new AbortController();
  const lines = kvm.system.streamLog({ seek: 3600, signal: stop.signal });
  await kvm.hid.sendMouseMove(0, 0);
  for await (const line of lines) {
    if (line.includes("Mouse move to (0, 0)")) break;
  }
  stop.abort();
  expect(await kvm.system.getLog()).toContain("Mouse move to (0, 0) = pixel (482, 227)");

  await kvm.hid.sendShortcut("ControlLeft", "KeyZ", { wait: 2 });
  expect(s.emu.hid.log.slice(-4).map((e) => e.type === "key" && `${e.key}:${e.state}`)).toEqual([
    "ControlLeft:true",
    "KeyZ:true",
    "KeyZ:false",
    "ControlLeft:false",
  ]);

  // MSD: a streamed upload with progress, then select, connect and clean up.
  const data = new Uint8Array(200 * 1024).fill(1);
  const progress: number[] = [];
  const w = await kvm.msd.upload("live.iso", data, { onProgress: (sent) => progress.push(sent) });
  expect(w.image).toEqual({ name: "live.iso", size: data.length, written: data.length });
  expect(progress).toEqual([65536, 131072, 196608, 204800]);
  await kvm.msd.setParams({ image: "live.iso", cdrom: true });
  await kvm.msd.setConnected(true);
  const msd = await kvm.msd.getState();
  expect(msd.drive?.connected).toBe(true);
  expect(msd.storage?.images["live.iso"]?.size).toBe(data.length);
  await expect(kvm.msd.uploadRemote("http://example.com/x.iso")).rejects.toMatchObject({
    status: 400,
    error: "ClientConnectorError",
  });
  await kvm.msd.reset();
  await kvm.msd.remove("live.iso");
  expect((await kvm.msd.getState()).storage?.images).toEqual({});

  // GPIO and metrics.
  await kvm.gpio.switch("relay", true);
  await kvm.gpio.pulse("relay", { wait: true, delay: 0.1 });
  expect((await kvm.gpio.getState()).state.outputs.relay).toEqual({ online: true, state: false, busy: false });
  await expect(kvm.gpio.switch("nope", true)).rejects.toBeInstanceOf(APIError);
  expect(await kvm.prometheus.getMetrics()).toContain("pikvm_gpio_input_state_led 0");

  // Snapshot options and the saved snapshot.
  await kvm.streamer.snapshot({ save: true });
  expect((await kvm.streamer.getState()).snapshot?.saved).toEqual({ online: true, width: 964, height: 454 });
  await kvm.streamer.deleteSnapshot();
  expect((await kvm.streamer.getState()).snapshot?.saved).toBeNull();
  expect(await kvm.streamer.ocr({ langs: ["eng"], left: 0, top: 0, right: 62, bottom: 20 })).toBe("PiKVM\n");
  await kvm.close();
  await s.close();
});
