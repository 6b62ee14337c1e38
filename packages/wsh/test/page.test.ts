// Issue 18: the terminal page at GET / in real Chromium (xterm.js bundled with the package).
import { disposeLeftovers, launchChromium, rawRequest, waitFor } from "@proj/ws-core/testing";
import type { Browser, Page } from "playwright-core";
import { afterEach, describe, expect, test } from "vitest";
import { lineText } from "../src/protocol/screen.js";
import { input, mountShell, type Started, screenText, startShell, waitForScreen } from "./helpers.js";

afterEach(disposeLeftovers);

const connected = (page: Page) => page.waitForSelector('body[data-state="connected"]', { timeout: 30_000 });

/** The text of the page's xterm buffer (screen and history). */
function pageText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const term = (globalThis as any).wshTerminal;
    const b = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < b.length; i++) out.push(b.getLine(i)?.translateToString(true) ?? "");
    return out.join("\n");
  });
}

/** A fresh Chromium's page at `url`, once connected. */
async function openPage(url: string, options?: Parameters<Browser["newPage"]>[0]): Promise<Page> {
  const browser = await launchChromium();
  const page = await browser.newPage(options);
  await page.goto(url);
  await connected(page);
  return page;
}

const screenLines = (s: Started) => s.session.emulator.screen("plain").lines.map((l) => lineText(l));

describe("the terminal page", () => {
  test("GET / is the page with a strict CSP; its assets need no token; the page itself does", async () => {
    const s = await startShell({ token: "own" });
    expect((await rawRequest(`${s.url}/`)).status).toBe(401);
    const page = await rawRequest(`${s.url}/?token=own`);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.body).toContain('<meta name="wsh-role" content="owner">');
    expect(page.body).not.toMatch(/<script>/); // no inline script
    const js = await rawRequest(`${s.url}/assets/terminal.js`);
    expect(js.status).toBe(200);
    expect(js.headers["content-type"]).toMatch(/javascript/);
    expect((await rawRequest(`${s.url}/assets/terminal.css`)).body).toContain(".xterm");
    // a foreign page cannot load it (the access guard runs first)
    expect(
      (await rawRequest(`${s.url}/assets/terminal.js`, { headers: { origin: "http://evil.example" } })).status,
    ).toBe(403);
    // the viewer token and a readonly server give the watching page
    const viewer = await startShell({ readonly: true });
    expect((await rawRequest(`${viewer.url}/`)).body).toContain('<meta name="wsh-role" content="viewer">');
  });

  test("typing `echo hi` into the page runs it: /screen shows the output", async () => {
    const s = await startShell();
    const page = await openPage(`${s.url}/`);
    await page.locator(".xterm").click();
    await page.keyboard.type("echo hi");
    await page.keyboard.press("Enter");
    await waitFor(() => screenLines(s).includes("hi"), { timeoutMs: 30_000, message: "hi on /screen" });
    const screen = await (await fetch(`${s.url}/screen?format=plain`)).json();
    expect(screen.lines).toContain("$ echo hi");
    expect(screen.lines).toContain("hi");
    await waitFor(async () => (await pageText(page)).includes("$ echo hi\nhi"), { timeoutMs: 30_000, message: "page" });
  });

  test("its addons are live: unicode 11 widths, and a printed URL opens on click (web-links)", async () => {
    const s = await startShell();
    const page = await openPage(`${s.url}/`);
    // Unicode 11: an emoji takes two cells (one under xterm's default Unicode 6 tables).
    const width = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const t = (globalThis as any).wshTerminal;
          const x = t.buffer.active.cursorX;
          t.write("\u{1F600}", () => resolve(t.buffer.active.cursorX - x));
        }),
    );
    expect(width).toBe(2);
    await input(s, "clear; echo https://example.invalid/wsh-link\r");
    await waitFor(async () => /(^|\n)https:\/\/example\.invalid\/wsh-link/.test(await pageText(page)), {
      timeoutMs: 30_000,
      message: "URL on the page",
    });
    // The link's page, answered here (the browser has no network).
    await page
      .context()
      .route("https://example.invalid/**", (route) =>
        route.fulfill({ contentType: "text/html", body: "<p>LINK OPENED</p>" }),
      );
    // Where the URL is drawn (the DOM renderer's row holding it, once the renderer's next frame has drawn it).
    let at: { x: number; y: number } | null = null;
    await waitFor(
      async () => {
        at = await page.evaluate(() => {
          const rows = Array.from(document.querySelectorAll(".xterm-rows > div"));
          const row = rows.find((r) => r.textContent?.startsWith("https://"));
          if (!row) return null;
          const r = row.getBoundingClientRect();
          return { x: r.left + 20, y: r.top + r.height / 2 };
        });
        return at !== null;
      },
      { timeoutMs: 30_000, message: "the URL's row drawn" },
    );
    const { x, y } = at as unknown as { x: number; y: number }; // set by the wait above
    await page.mouse.move(x, y);
    const popup = page.waitForEvent("popup", { timeout: 30_000 });
    // The link is found on hover; a click then opens it.
    await waitFor(
      async () => {
        await page.mouse.move(x + 1, y);
        await page.mouse.move(x, y);
        return page.evaluate(() => document.querySelector(".xterm-screen")?.classList.contains("xterm-cursor-pointer"));
      },
      { timeoutMs: 30_000, message: "link under the mouse" },
    );
    await page.mouse.click(x, y);
    const opened = await popup;
    await opened.getByText("LINK OPENED").waitFor({ timeout: 30_000 });
    expect(opened.url()).toBe("https://example.invalid/wsh-link");
  });

  test("paste types the clipboard's text into the shell; Ctrl+Shift+C copies the selection", async () => {
    const s = await startShell();
    const browser = await launchChromium();
    const context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: s.url });
    const page = await context.newPage();
    await page.goto(`${s.url}/`);
    await connected(page);
    await page.locator(".xterm").click();
    // What the browser does on Ctrl+V / middle click: a paste event on xterm's input element.
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.setData("text/plain", "echo PAS''TED\n");
      const target = document.querySelector(".xterm-helper-textarea") as HTMLElement;
      target.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    await waitForScreen(s, "PASTED");
    await waitFor(async () => (await pageText(page)).includes("\nPASTED"), { timeoutMs: 30_000, message: "page" });
    await page.evaluate(() => (globalThis as any).wshTerminal.selectAll());
    await page.keyboard.press("Control+Shift+KeyC");
    await waitFor(async () => (await page.evaluate(() => navigator.clipboard.readText())).includes("PASTED"), {
      timeoutMs: 30_000,
      message: "copied",
    });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain("echo PAS''TED");
  });

  test("a viewer page watches without typing; ?token= leaves the URL for sessionStorage", async () => {
    const s = await startShell({ token: "own", viewerToken: "view" });
    const page = await openPage(`${s.url}/?token=view#x`);
    expect(page.url()).toBe(`${s.url}/#x`);
    expect(await page.evaluate(() => sessionStorage.getItem("wsh-token"))).toBe("view");
    await page.locator(".xterm").click();
    await page.keyboard.type("echo NO''PE");
    await page.keyboard.press("Enter");
    // The owner's marker runs after anything the viewer could have sent; the page shows it live.
    await fetch(`${s.url}/input`, { method: "POST", headers: { authorization: "Bearer own" }, body: "echo OW''NER\r" });
    await waitForScreen(s, "OWNER");
    await waitFor(async () => (await pageText(page)).includes("OWNER"), { timeoutMs: 30_000, message: "page" });
    expect(screenText(s)).not.toContain("NO''PE");
    expect(screenText(s)).not.toContain("NOPE");
    expect(await page.evaluate(() => document.body.dataset.state)).toBe("connected"); // never sent a byte (no 4403)
  });

  test("a reload after ?token= left the address bar keeps the tab's role; a tab without a token is told it needs one", async () => {
    const s = await startShell({ token: "own", viewerToken: "view" });
    const browser = await launchChromium();
    const owner = await browser.newPage();
    await owner.goto(`${s.url}/?token=own`);
    await connected(owner);
    expect(owner.url()).toBe(`${s.url}/`);
    // The page itself still needs the token (401), so the reload gets the shell and asks with the tab's token.
    expect((await owner.reload())?.status()).toBe(401);
    await connected(owner);
    await owner.locator(".xterm").click();
    await owner.keyboard.type("echo RE''LOADED");
    await owner.keyboard.press("Enter");
    await waitForScreen(s, "RELOADED");

    const viewer = await browser.newPage();
    await viewer.goto(`${s.url}/?token=view`);
    await connected(viewer);
    await viewer.reload();
    await connected(viewer);
    expect(await viewer.locator("#status").textContent()).toContain("read-only");
    expect(await viewer.evaluate(() => (globalThis as any).wshTerminal.options.disableStdin)).toBe(true);

    // A saved token the server refuses is dropped; a tab with none never connects.
    await viewer.evaluate(() => sessionStorage.setItem("wsh-token", "wrong"));
    await viewer.reload();
    await viewer.waitForSelector('body[data-state="token-required"]', { timeout: 30_000 });
    expect(await viewer.evaluate(() => sessionStorage.getItem("wsh-token"))).toBeNull();
    const bare = await browser.newPage();
    expect((await bare.goto(`${s.url}/`))?.status()).toBe(401);
    await bare.waitForSelector('body[data-state="token-required"]', { timeout: 30_000 });
    expect(await bare.locator("#status").textContent()).toContain("token is needed");
    // API clients still get the JSON refusal.
    expect((await rawRequest(`${s.url}/`)).body).toContain('"auth_required"');
  });

  test("mounted under /wsh: the bare mount redirects to /wsh/ with or without a token, and a reload there works", async () => {
    const { shared } = await mountShell({ token: "own", basePath: "/wsh" });
    const browser = await launchChromium();
    const bare = await browser.newPage();
    expect((await bare.goto(`${shared.url}/wsh`))?.status()).toBe(401);
    expect(bare.url()).toBe(`${shared.url}/wsh/`);
    await bare.waitForSelector('body[data-state="token-required"]', { timeout: 30_000 }); // its script loaded
    const page = await browser.newPage();
    await page.goto(`${shared.url}/wsh?token=own`);
    await connected(page);
    expect(page.url()).toBe(`${shared.url}/wsh/`);
    await page.reload();
    await connected(page);
    await page.locator(".xterm").click();
    await page.keyboard.type("echo MOU''NTED");
    await page.keyboard.press("Enter");
    await waitFor(async () => (await pageText(page)).includes("\nMOUNTED"), { timeoutMs: 30_000, message: "MOUNTED" });
  });

  test("after a server restart the page reconnects and gets the new server's repaint", async () => {
    const first = await startShell();
    const port = Number(new URL(first.url).port);
    const page = await openPage(`${first.url}/`);
    await input(first, "echo FIR''ST\r");
    await waitFor(async () => (await pageText(page)).includes("FIRST"), { timeoutMs: 30_000, message: "FIRST" });
    await first.close();
    await page.waitForSelector('body[data-state="disconnected"]', { timeout: 30_000 });
    const second = await startShell({ port } as never);
    await input(second, "echo SEC''OND\r");
    await waitForScreen(second, "SECOND");
    await connected(page);
    // The repaint starts with a hard reset: the old server's output is gone, the new screen is there.
    await waitFor(async () => (await pageText(page)).includes("SECOND"), { timeoutMs: 30_000, message: "SECOND" });
    expect(await pageText(page)).not.toContain("FIRST");
  });

  test("a 390 px wide page keeps the PTY size: it scales the font instead of resizing", async () => {
    const s = await startShell({ cols: 100, rows: 30 });
    const page = await openPage(`${s.url}/`, { viewport: { width: 390, height: 844 } });
    await waitFor(async () => (await page.evaluate(() => document.getElementById("size")?.textContent)) === "100x30", {
      timeoutMs: 30_000,
      message: "size shown",
    });
    const shown = await page.evaluate(() => {
      const t = (globalThis as any).wshTerminal;
      return { cols: t.cols, rows: t.rows, fontSize: t.options.fontSize };
    });
    expect(shown.cols).toBe(100); // told by the repaint, not xterm's 80x24 default
    expect(shown.rows).toBe(30);
    expect(shown.fontSize).toBeLessThan(15);
    expect([s.session.emulator.cols, s.session.emulator.rows]).toEqual([100, 30]);
    // A later resize by the owner reaches the page in the stream.
    await fetch(`${s.url}/resize`, { method: "POST", body: JSON.stringify({ cols: 120, rows: 40 }) });
    await waitFor(async () => (await page.evaluate(() => document.getElementById("size")?.textContent)) === "120x40", {
      timeoutMs: 30_000,
      message: "new size shown",
    });
  });

  test("a terminal too wide for a phone even at the smallest font scrolls sideways under a finger", async () => {
    const s = await startShell({ cols: 200, rows: 50 });
    const browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${s.url}/`);
    await connected(page);
    await waitFor(async () => (await page.evaluate(() => document.getElementById("size")?.textContent)) === "200x50", {
      timeoutMs: 30_000,
      message: "size shown",
    });
    const before = await page.evaluate(() => document.querySelector(".xterm-screen")?.getBoundingClientRect().width);
    // A finger swiping right to left over the terminal (real touch events), until the right end shows.
    const cdp = await context.newCDPSession(page);
    const touch = (type: string, x?: number) =>
      cdp.send("Input.dispatchTouchEvent", {
        type: type as never,
        touchPoints: x === undefined ? [] : [{ x, y: 300 }],
      });
    await waitFor(
      async () => {
        await touch("touchStart", 330);
        for (let x = 320; x >= 30; x -= 10) await touch("touchMove", x);
        await touch("touchEnd");
        return page.evaluate(() => {
          const box = document.getElementById("terminal") as HTMLElement;
          return box.scrollLeft > 0 && box.scrollLeft + box.clientWidth >= box.scrollWidth - 1;
        });
      },
      { timeoutMs: 30_000, message: "scrolled to the right end" },
    );
    const shown = await page.evaluate((before) => {
      const box = document.getElementById("terminal") as HTMLElement;
      const screen = box.querySelector(".xterm-screen") as HTMLElement;
      const b = box.getBoundingClientRect();
      const r = screen.getBoundingClientRect();
      return {
        fontSize: (globalThis as any).wshTerminal.options.fontSize,
        cols: (globalThis as any).wshTerminal.cols,
        screenWidth: before ?? 0,
        boxWidth: box.clientWidth,
        scrollLeft: box.scrollLeft,
        screenRight: r.right,
        boxRight: b.left + box.clientLeft + box.clientWidth,
      };
    }, before);
    expect(shown.cols).toBe(200);
    expect(shown.fontSize).toBe(6); // the smallest font
    expect(shown.screenWidth).toBeGreaterThan(shown.boxWidth); // still wider than the window
    expect(shown.scrollLeft).toBeGreaterThan(0);
    expect(shown.screenRight).toBeLessThanOrEqual(shown.boxRight + 1); // its last column can be brought into view
    expect([s.session.emulator.cols, s.session.emulator.rows]).toEqual([200, 50]);
  });
});
