import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleForBrowser, disposeLeftovers, launchChromium, tempDir } from "@proj/ws-core/testing";
import { afterEach, expect, test } from "vitest";
import { kvmdToPixel } from "../src/protocol/coordinates.js";
import { startEmulator } from "./helpers.js";

afterEach(disposeLeftovers);

// A page of ours: the stream in an <img> shown at half size, clicks turned into absolute moves as the web UI does.
const PAGE = `<!doctype html><title>stream</title><style>body{margin:0}img{display:block;width:482px;height:227px}</style>
<img id="screen" alt="console">
<script type="module">
  const m = await import(location.origin + "/share/client.js");
  const ws = await m.PiKVMWebSocket.connect({ url: location.origin, user: "admin", passwd: "admin", hid: "binary" });
  const img = document.getElementById("screen");
  img.src = "/streamer/stream?key=page&advance_headers=1";
  img.addEventListener("click", async (e) => {
    const r = img.getBoundingClientRect();
    const px = Math.floor(((e.clientX - r.left) * img.naturalWidth) / r.width);
    const py = Math.floor(((e.clientY - r.top) * img.naturalHeight) / r.height);
    const to = m.pixelToKvmd(px, py, { width: img.naturalWidth, height: img.naturalHeight });
    ws.sendMouseMove(to.x, to.y);
    ws.click("left");
    await ws.ping();
    window.clicked = { px, py, to };
  });
  window.ready = true;
</script>`;

test("Chromium shows /streamer/stream in an <img>; a click there arrives at the emulator on that pixel", {
  timeout: 120_000,
}, async () => {
  const dir = tempDir("pikvm-stream-");
  const bundle = await bundleForBrowser(fileURLToPath(new URL("../src/client/index.ts", import.meta.url)));
  await mkdir(join(dir, "share"));
  await writeFile(join(dir, "share", "client.js"), bundle.code);
  await writeFile(join(dir, "share", "view.html"), PAGE);
  const s = await startEmulator({ staticDir: dir });
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${s.url}/share/view.html`);
  // The stream has given the image its geometry (the real UI needs it for every absolute move).
  await page.waitForFunction("window.ready && document.getElementById('screen').naturalWidth > 0", null, {
    timeout: 30_000,
  });
  expect(await page.evaluate("((i) => [i.naturalWidth, i.naturalHeight])(document.getElementById('screen'))")).toEqual([
    964, 454,
  ]);
  expect(s.emu.streamer.clients).toBe(1);
  const box = (await page.locator("#screen").boundingBox()) as { x: number; y: number };
  await page.mouse.click(box.x + 150, box.y + 50);
  await page.waitForFunction("window.clicked", null, { timeout: 30_000 });
  expect(await page.evaluate("window.clicked")).toMatchObject({ px: 300, py: 100 });
  expect(kvmdToPixel(s.emu.hid.mouse.x, s.emu.hid.mouse.y, { width: 964, height: 454 })).toEqual({ x: 300, y: 100 });
  expect(s.emu.hid.log.filter((e) => e.type === "mouse_button").map((e) => e.source)).toEqual([
    "ws-binary",
    "ws-binary",
  ]);
  expect(s.emu.log.records.some((r) => r.msg.includes("= pixel (300, 100) of 964x454"))).toBe(true);
  await browser.close();
  await s.close();
});
