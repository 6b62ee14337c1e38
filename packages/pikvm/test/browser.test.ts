import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForBrowser, disposeLeftovers, launchChromium, tempDir } from "@proj/ws-core/testing";
import { afterEach, expect, test } from "vitest";
import { startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

test("a real browser (Chromium) logs in by cookie, types over /api/ws and gets pongs", async () => {
  const dir = tempDir("pikvm-browser-");
  const bundle = await bundleForBrowser(fileURLToPath(new URL("../src/client/index.ts", import.meta.url)));
  // Under /share/, which a device serves without a login (other pages redirect to /login/).
  await mkdir(join(dir, "share"));
  await writeFile(join(dir, "share", "client.js"), bundle.code);
  await writeFile(join(dir, "share", "index.html"), "<!doctype html><title>pikvm client</title>");
  const s = await startEmulator({ staticDir: dir });
  const via: string[] = [];
  s.emu.on("connection", (ctx) => via.push(ctx.via));
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${s.url}/share/index.html`);
  // A string, so the test runner does not rewrite the page's dynamic import.
  const result = (await page.evaluate(`(async () => {
    const m = await import(location.origin + "/share/client.js");
    const bad = await m.PiKVMWebSocket.connect({ url: location.origin, user: "admin", passwd: "wrong" }).then(
      () => "connected?!",
      (e) => e.name + " " + e.status,
    );
    const ws = await m.PiKVMWebSocket.connect({ url: location.origin, user: "admin", passwd: "admin", hid: "binary" });
    await ws.typeText("from Chromium");
    const rtt = await ws.ping();
    const loop = ws.version;
    await ws.close();
    return { bad, rtt, loop };
  })()`)) as { bad: string; rtt: number; loop: unknown };
  expect(result.bad).toBe("AuthError 403");
  expect(result.rtt).toBeGreaterThanOrEqual(0);
  expect(result.loop).toEqual({ major: 4, minor: 206 });
  expect(via).toEqual(["cookie"]);
  expect(s.emu.console.typed).toBe("from Chromium");
  await browser.close();
  await s.close();
});
