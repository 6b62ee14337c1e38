import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { closeHttpServer, listen } from "@proj/ws-core/server";
import { bundleForBrowser, disposeLeftovers, launchChromium, trackLeftover } from "@proj/ws-core/testing";
import { afterEach, expect, test } from "vitest";
import { shellForMount } from "./helpers.js";

afterEach(disposeLeftovers);

test("the client runs in real Chromium against a wsh mounted under /wsh on a shared server", async () => {
  const bundle = await bundleForBrowser(fileURLToPath(new URL("./fixtures/browser-entry.ts", import.meta.url)));
  expect(bundle.nodeImports).toEqual([]);
  const wsh = shellForMount({ token: "browser-token", basePath: "/wsh" });
  // A shared HTTP server: its own page plus wsh's REST and WebSocket routes.
  const http = createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(
        `<!doctype html><title>wsh</title><script type="module">${bundle.code.replaceAll("</script", "<\\/script")}</script>`,
      );
      return;
    }
    if (!wsh.handleRequest(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  http.on("upgrade", (req, socket, head) => {
    if (!wsh.handleUpgrade(req, socket, head)) socket.destroy();
  });
  const l = await listen(http);
  trackLeftover(() => closeHttpServer(http));

  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${l.url}/`);
  await page.waitForFunction(() => "wsh" in globalThis);
  const result = await page.evaluate(
    async ({ url, token }) => {
      const w = (globalThis as any).wsh;
      const json = new w.WshJsonClient({ url, token, format: "plain" });
      await json.nextSync();
      const raw = new w.WshRawClient({ url, token });
      let rawText = "";
      const decoder = new TextDecoder();
      raw.on("data", (d: Uint8Array) => {
        rawText += decoder.decode(d);
      });
      const rest = new w.WshRest({ url, token });
      await raw.opened();
      await rest.input("echo FROM''BROWSER\r");
      // Event-driven: done once both the JSON model and the raw byte stream show the marker.
      await new Promise<void>((resolve) => {
        const check = () => {
          if (json.model.text().includes("FROMBROWSER") && rawText.includes("FROMBROWSER")) resolve();
        };
        json.on("change", check);
        raw.on("data", check); // registered after the listener that appends to rawText
        check();
      });
      const screen = await rest.screen("plain");
      await json.close();
      await raw.close();
      return { model: json.model.text(), rawText, screen: screen.lines };
    },
    { url: `${l.url}/wsh`, token: "browser-token" },
  );
  expect(result.model).toContain("FROMBROWSER");
  expect(result.rawText.startsWith("\x1bc")).toBe(true);
  expect(result.rawText).toContain("FROMBROWSER");
  expect(result.screen).toContain("FROMBROWSER");
});
