import { fileURLToPath } from "node:url";
import { bundleForBrowser, disposeLeftovers, launchChromium } from "@proj/ws-core/testing";
import { afterEach, expect, test } from "vitest";
import { deferred } from "@proj/ws-core";
import { encodeFrame, upsertEvent } from "../src/index.js";
import { Box, DefaultScene } from "../src/schemas/index.js";
import type { IncomingEvent } from "../src/server/index.js";
import { startVuer } from "./helpers.js";

afterEach(disposeLeftovers);

test("a real browser (Chromium) runs VuerClient: INIT as 'browser', events, the shared scene model, the codec", async () => {
  const bundle = await bundleForBrowser(fileURLToPath(new URL("../src/index.ts", import.meta.url)));
  const { app, url } = await startVuer();
  app.workspace.link(bundle.code, "client.js", "text/javascript; charset=utf-8");
  app.workspace.link("<!doctype html><title>vuer client</title>", "index.html", "text/html; charset=utf-8");
  app.scene.set(DefaultScene({ key: "scene" }));
  const init = deferred<IncomingEvent>();
  app.spawn(async (session) => {
    init.resolve(await session.till("INIT"));
    app.scene.subscribe(session);
    await session.forever();
  });
  app.addHandler("HELLO", (ev) => {
    app.scene.upsert(Box({ key: "box", position: ev.value.position }));
  });
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${url.replace(/^ws/, "http")}/workspace/index.html`);
  // A string, so the test runner does not rewrite the page's dynamic import.
  const result = (await page.evaluate(`(async () => {
    const m = await import(location.origin + "/workspace/client.js");
    const client = new m.VuerClient({ uri: ${JSON.stringify(url)} });
    await client.connect();
    const changes = [];
    client.scene.on("change", (c) => changes.push(c.op));
    const until = (pred) => new Promise((resolve) => {
      if (pred()) return resolve();
      const off = client.scene.on("change", () => { if (pred()) { off(); resolve(); } });
    });
    await client.send({ etype: "HELLO", value: { position: [1, 2, 3] } });
    await until(() => client.scene.find("box"));
    // The first HELLO may be handled before this session subscribes (then the SET replay carries the box);
    // a second one certainly arrives as an UPSERT.
    await client.send({ etype: "HELLO", value: { position: [4, 5, 6] } });
    await until(() => client.scene.find("box").position[0] === 4);
    const box = client.scene.find("box");
    const grid = client.scene.find("grid");
    const frame = Array.from(m.encodeFrame(m.upsertEvent(m.Box({ key: "k", position: [0.5, 1, 2] }), { ts: 1 })));
    await client.close();
    return { box, grid: grid && grid.tag, changes, frame };
  })()`)) as { box: Record<string, unknown>; grid: string; changes: string[]; frame: number[] };
  const initEvent = await init.promise;
  expect(initEvent.value).toMatchObject({ client: "browser", clientVersion: "0.0.0" });
  expect(Object.keys(initEvent.value)).toEqual([
    "client",
    "clientVersion",
    "timezone",
    "timezoneOffset",
    "userAgent",
    "screenWidth",
    "screenHeight",
    "devicePixelRatio",
  ]);
  expect(String(initEvent.value.userAgent)).toMatch(/Chrome/);
  expect(result.box).toMatchObject({ key: "box", tag: "Box", position: [4, 5, 6] });
  expect(result.grid).toBe("Grid");
  expect(result.changes).toContain("UPSERT");
  expect(result.frame).toEqual(
    Array.from(encodeFrame(upsertEvent(Box({ key: "k", position: [0.5, 1, 2] }), { ts: 1 }))),
  );
  await browser.close();
}, 60_000);
