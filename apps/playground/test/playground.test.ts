// The playground in a real browser: Debian's Chromium driven by playwright-core against the running
// demo process. Each panel gets a scripted interaction and an assertion on what the page shows.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BridgeClient } from "@proj/chrome-bridge/client";
import { WshRest } from "@proj/wsh/client";
import { CHROMIUM_ARGS, chromiumPath, type ScriptProcess, spawnScript, waitFor } from "@proj/ws-core/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const appDir = fileURLToPath(new URL("..", import.meta.url));
const repoDir = fileURLToPath(new URL("../../..", import.meta.url));
const artifacts = `${repoDir}/artifacts/playground`;
const CHROMIUM = chromiumPath();

interface Demo {
  script: ScriptProcess;
  url: string;
}

/** Starts the demo process (port 0, or a given port) and resolves once it prints its address. */
async function startDemo(port = 0): Promise<Demo> {
  const script = spawnScript("server/main.ts", ["--port", String(port)], {
    cwd: appDir,
    env: { ...process.env, CHROMIUM_PATH: CHROMIUM },
  });
  const [, url] = await script.line(/^listening on (http:\/\/\S+)$/, 60_000);
  return { script, url: url as string };
}

async function stopDemo(demo: Demo): Promise<void> {
  await demo.script.stop();
}

let demo: Demo;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });
// Playwright's rendered text (what a person sees), not the DOM property the lint rule is about.
// biome-ignore lint/performance/useDomNodeTextContent: Locator.innerText is Playwright's API
const text = (selector: string) => page.locator(selector).innerText();

/** Waits until a row of the page's xterm.js buffer reads exactly `line`. */
const terminalShowsLine = (line: string) =>
  page.waitForFunction((want) => {
    const b = (window as any).term.buffer.active;
    for (let i = 0; i < b.length; i++) if (b.getLine(i)?.translateToString(true) === want) return true;
    return false;
  }, line);

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await build({ root: `${appDir}/web`, configFile: `${appDir}/vite.config.ts`, logLevel: "error" });
  demo = await startDemo();
  browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
  await page.goto(`${demo.url}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  if (demo) await stopDemo(demo);
});

describe("playground", () => {
  test("every panel starts and its connection is open", async () => {
    for (const id of ["terminal", "kvm", "scene", "blackjack", "browser"]) {
      expect(await page.getAttribute(`#panel-${id}`, "data-error")).toBeNull();
      expect(await page.getAttribute(`#panel-${id}`, "data-ready")).toBe("true");
    }
    for (const id of ["terminal", "kvm", "scene", "blackjack"]) {
      await page.waitForSelector(`#panel-${id} .status[data-status=open]`);
    }
    await shot("00-start");
  });

  test("terminal: a command typed in xterm runs in the shell; /ws/json reports the new line", async () => {
    await page.click("#panel-terminal [data-role=terminal]");
    await page.keyboard.type("echo play-$((6*7))\n");
    await terminalShowsLine("play-42");
    await waitFor(async () => (await text("#panel-terminal [data-role=json-events]")).includes("play-42"));
    await shot("01-terminal");
  });

  test("KVM: 'hello' typed on the virtual screen reaches the console and the HID log", async () => {
    await page.click("#panel-kvm .kvm-screen");
    await page.keyboard.type("hello");
    await waitFor(async () => (await text("#panel-kvm [data-role=console-text]")).includes("hello"), {
      timeoutMs: 10_000,
    });
    const hid = await text("#panel-kvm [data-role=hid-log]");
    for (const k of ["KeyH", "KeyE", "KeyL", "KeyO"]) expect(hid).toContain(`key ${k} down`);
    // The emulator's HID state counted the input; the console image was refreshed from its snapshot.
    await waitFor(
      async () => Number(await page.getAttribute("#panel-kvm [data-role=hid-state]", "data-accepted")) >= 10,
    );
    expect(await page.getAttribute("#panel-kvm .kvm-screen", "src")).toMatch(/^blob:/);
    await shot("02-kvm");
  });

  test("scene: the schema elements render; a button moves the box; a separate script moves it too", async () => {
    const legend = "#panel-scene [data-role=scene-legend]";
    const boxAt = async () => (await page.getAttribute(legend, "data-box")) ?? "";
    const rendered = await page.evaluate(() => [...(window as any).vuerView.rendered] as string[]);
    for (const key of ["box", "group", "sphere", "title", "ring", "grid", "kvm-screen"])
      expect(rendered).toContain(key);
    // Drawn by @proj/vuer/viewer: every element of the scene is one it knows (no placeholders).
    expect(await page.evaluate(() => (window as any).vuerView.placeholders.size)).toBe(0);
    const before = (await boxAt()).split(",").map(Number);
    await page.click("#panel-scene button:has-text('box ▶')");
    await waitFor(
      async () => Number((await boxAt()).split(",")[0]) === Number(((before[0] as number) + 0.25).toFixed(2)),
    );
    // The seed's remote-control client, run as its own process against the same server.
    const wsUri = `${demo.url.replace(/^http/, "ws")}/vuer`;
    const script = spawnScript(
      "packages/vuer/examples/remote-control-client.ts",
      ["--uri", wsUri, "--count", "40", "--interval-ms", "5"],
      { cwd: repoDir },
    );
    expect(await script.exited).toBe(0);
    const t = 39 * 0.05;
    const expected = [Math.sin(t) * 2, 0.5 + Math.sin(t * 2) * 0.3, 0].map((v) => v.toFixed(2)).join(",");
    await waitFor(async () => (await boxAt()) === expected, { timeoutMs: 10_000 });
    await shot("03-scene");
  });

  test("blackjack: the person is asked with only valid actions enabled and plays a hand to settlement", async () => {
    const panel = "#panel-blackjack";
    let acted = false;
    let roundAtAction: string | null = null;
    await waitFor(
      async () => {
        const enabled = await page
          .locator(`${panel} button[data-action]:not([disabled])`)
          .evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.action as string));
        if (enabled.length > 0) {
          const prompt = await text(`${panel} [data-role=prompt]`);
          for (const a of enabled) expect(prompt).toContain(a);
          if (!acted) {
            // The hole card is face down while we decide.
            expect(await page.locator(`${panel} [data-role=dealer-cards] [data-card=hidden]`).count()).toBe(1);
          }
          const choice = enabled.includes("NO_INSURANCE") ? "NO_INSURANCE" : "STAND";
          await page.click(`${panel} button[data-action=${choice}]`);
          if (choice === "STAND" && !acted) {
            acted = true;
            roundAtAction = await page.getAttribute(`${panel} [data-role=results]`, "data-round");
          }
          return false;
        }
        if (!acted) return false;
        // Settled: a ROUND_ENDED after our action that lists our seat's result.
        const round = await page.getAttribute(`${panel} [data-role=results]`, "data-round");
        const me = await page.getAttribute(`${panel} [data-me=true]`, "data-player");
        return (
          round !== null &&
          round !== roundAtAction &&
          me !== null &&
          (await text(`${panel} [data-role=results]`)).includes(me)
        );
      },
      { timeoutMs: 45_000, intervalMs: 100 },
    );
    expect(await text(`${panel} [data-role=blackjack-log]`)).toMatch(/dealer reveals|Guest \w+: (win|lose|push)/);
    // The person's own seat is marked, with a name of its own.
    expect(await page.locator(`${panel} [data-me=true] .you`).textContent()).toBe("you");
    expect(await page.getAttribute(`${panel} [data-me=true]`, "data-player")).toMatch(/^Guest [A-Z0-9]{4}$/);
    expect(await page.locator(`${panel} [data-role=balance]`).count()).toBe(3);
    await shot("04-blackjack");
  });

  test("browser: a URL opened through the bridge and its screenshot shown", async () => {
    const panel = "#panel-browser";
    await page.click(`${panel} button:has-text('Open')`);
    await waitFor(async () => (await text(`${panel} [data-role=bridge-log]`)).includes("screenshot"), {
      timeoutMs: 20_000,
    });
    const size = await page.getAttribute(`${panel} [data-role=bridge-shot]`, "data-size");
    expect(size).toMatch(/^\d+x\d+$/);
    expect(await page.getAttribute(`${panel} [data-role=bridge-shot]`, "src")).toMatch(/^data:image\/png;base64,/);
    // The screenshot decodes: the <img> has the size the bridge reported.
    const natural = await page
      .locator(`${panel} [data-role=bridge-shot]`)
      .evaluate((img) => `${(img as HTMLImageElement).naturalWidth}x${(img as HTMLImageElement).naturalHeight}`);
    expect(natural).toBe(size);
    // The bridge itself confirms the tab the panel opened.
    const tabs = await new BridgeClient({ url: `${demo.url}/bridge` }).tabs();
    expect(JSON.stringify(tabs.data)).toContain("Bridge target");
    // Click-through: a click on the screenshot at the pad's (200,130) clicks the page there.
    const [w, h] = (size as string).split("x").map(Number) as [number, number];
    const box = (await page.locator(`${panel} [data-role=bridge-shot]`).evaluate((img) => {
      const i = img as HTMLImageElement;
      return { cw: i.clientWidth, ch: i.clientHeight };
    })) as { cw: number; ch: number };
    const at = (x: number, y: number) => ({ x: (x * box.cw) / w, y: (y * box.ch) / h });
    await page.click(`${panel} [data-role=bridge-shot]`, { position: at(200, 130) });
    await waitFor(async () => /click at /.test(await text(`${panel} [data-role=bridge-log]`)), { timeoutMs: 20_000 });
    // The page in the driven browser received the click where the person clicked (within a scaled pixel).
    const bridge = new BridgeClient({ url: `${demo.url}/bridge` });
    await waitFor(
      async () => /clicked at (199|200|201),(129|130|131)/.test(JSON.stringify((await bridge.tabs()).data)),
      {
        timeoutMs: 10_000,
      },
    );
    // Typing goes to the field that has focus: click the field in the screenshot, then Type.
    await page.click(`${panel} [data-role=bridge-shot]`, { position: at(60, 270) });
    await waitFor(
      async () => /click at (59|60|61),(269|270|271): /.test(await text(`${panel} [data-role=bridge-log]`)),
      { timeoutMs: 20_000, message: "the click on the field" },
    );
    await page.fill(`${panel} [data-role=bridge-text]`, "typed-through");
    await page.click(`${panel} button:has-text('Type')`);
    await waitFor(async () => JSON.stringify((await bridge.tabs()).data).includes("typed typed-through"), {
      timeoutMs: 20_000,
      message: "the typed text in the field",
    });
    // ...and the panel shows the screenshot taken after the click.
    await waitFor(async () => (await text(`${panel} [data-role=bridge-log]`)).split("screenshot:").length > 2, {
      timeoutMs: 10_000,
    });
    await shot("05-browser");
  });

  test("browser: a page that cannot be reached is reported, not shown as a blank success", async () => {
    const panel = "#panel-browser";
    await page.fill(`${panel} [data-role=bridge-url]`, "http://127.0.0.1:9/nothing-listens-here");
    await page.click(`${panel} button:has-text('Open')`);
    await page.waitForSelector(`${panel}[data-navigation=failed]`, { timeout: 30_000 });
    expect(await text(`${panel} [data-role=bridge-log]`)).toMatch(
      /could not load http:\/\/127\.0\.0\.1:9|open: failed/,
    );
  });

  test("every panel says what it is and what to try, with its README; jargon sits in a details line", async () => {
    for (const [id, pkg] of [
      ["terminal", "wsh"],
      ["kvm", "pikvm"],
      ["scene", "vuer"],
      ["blackjack", "cardsharp"],
      ["browser", "chrome-bridge"],
    ] as const) {
      const intro = page.locator(`#panel-${id} [data-role=intro]`);
      expect((await intro.textContent())?.length).toBeGreaterThan(60);
      expect(await intro.locator("strong").textContent()).toMatch(/\w/);
      expect(await intro.locator("a").getAttribute("href")).toMatch(new RegExp(`/packages/${pkg}#readme$`));
      expect(await page.locator(`#panel-${id} details.wire`).count()).toBe(1);
    }
    // The terminal's two connections are named.
    const chips = await page.locator("#panel-terminal .status").allTextContents();
    expect(chips).toEqual(["shell: open", "screen events: open"]);
  });

  test("phone width (390 px): one column, no horizontal scroll, nothing wider than the screen, the PTY not resized", async () => {
    const before = (await new BridgeClient({ url: `${demo.url}/bridge` }).status()).success; // the demo is up
    expect(before).toBe(true);
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(`${demo.url}/`);
      await phone.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
      await phone.waitForSelector("#panel-terminal .status[data-status=open]");
      const layout = await phone.evaluate(() => {
        const vw = window.innerWidth;
        const panels = [...document.querySelectorAll<HTMLElement>("#panels > .panel")];
        const lefts = new Set(panels.map((p) => Math.round(p.getBoundingClientRect().left)));
        // Everything outside a scrolling box must fit the screen.
        const inScroller = (e: Element) => e.closest(".terminal-box, .log, .scene-box") !== null;
        const wide = [...document.querySelectorAll<HTMLElement>("body *")]
          .filter((e) => !inScroller(e) && e.getBoundingClientRect().right > vw + 0.5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
        return { scrollWidth: document.documentElement.scrollWidth, vw, columns: lefts.size, wide };
      });
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.vw);
      expect(layout.columns).toBe(1);
      expect(layout.wide).toEqual([]);
      await phone.screenshot({ path: `${artifacts}/08-phone.png`, fullPage: true });
    } finally {
      await phone.close();
    }
    // The narrow page rendered the shell at the PTY's size instead of shrinking it for everyone.
    const size = await new WshRest({ url: `${demo.url}/wsh` }).screen();
    expect(`${size.cols}x${size.rows}`).toBe("100x24");
  });

  test("the page survives a server restart by reconnecting", async () => {
    const port = Number(new URL(demo.url).port);
    await stopDemo(demo);
    for (const id of ["terminal", "kvm", "scene", "blackjack"]) {
      await page.waitForSelector(`#panel-${id} .status:not([data-status=open])`, { timeout: 15_000 });
    }
    await shot("06-server-down");
    demo = await startDemo(port);
    for (const id of ["terminal", "kvm", "scene", "blackjack"]) {
      await page.waitForSelector(`#panel-${id} .status[data-status=open]`, { timeout: 30_000 });
    }
    // And the reconnected terminal works.
    await page.click("#panel-terminal [data-role=terminal]");
    await page.keyboard.type("echo again-$((2+3))\n");
    await terminalShowsLine("again-5");
    await shot("07-reconnected");
  });
});
