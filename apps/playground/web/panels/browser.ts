import { BridgeClient } from "@proj/chrome-bridge/client";
import type { PlaygroundInfo } from "../info.js";
import { el, logLine, panelHeader, statusChip } from "../status.js";

/**
 * Browser panel: the chrome-bridge REST client driving a headless Chromium through the bridge server and
 * the Node executor. Every command is followed by a screenshot.
 */
export async function mountBrowserPanel(
  panel: HTMLElement,
  info: NonNullable<PlaygroundInfo["chrome-bridge"]>,
): Promise<void> {
  const chip = statusChip();
  panelHeader(
    panel,
    {
      title: "Browser",
      what: "A headless Chromium on this machine, driven through a local relay as an AI agent would drive it.",
      tryThis: "Open a page, then click on its screenshot or type into it.",
      pkg: "chrome-bridge",
      details:
        "chrome-bridge: REST commands (/bridge/command) relayed over a WebSocket (/bridge/ws) to an executor that drives Chromium over CDP.",
    },
    chip.el,
  );
  if (!info.chromium) {
    chip.set("closed", "no Chromium");
    panel.append(
      el("p", {
        className: "muted",
        dataset: { role: "bridge-missing" },
        textContent: `Chromium was not found at ${info.chromiumPath}${info.error ? ` (${info.error})` : ""}. Install Debian's chromium ("sudo apt-get install -y chromium") or set CHROMIUM_PATH, then restart the demo.`,
      }),
    );
    return;
  }
  const client = new BridgeClient({ url: `${location.origin}${info.base}` });
  const url = el("input", { value: `${location.origin}/target.html`, size: 28, dataset: { role: "bridge-url" } });
  const text = el("input", { value: "hello ✓", size: 10, dataset: { role: "bridge-text" } });
  const b = {
    open: el("button", { textContent: "Open" }),
    type: el("button", { textContent: "Type" }),
    enter: el("button", { textContent: "Enter" }),
    scroll: el("button", { textContent: "Scroll" }),
    shot: el("button", { textContent: "Screenshot" }),
  };
  const shot = el("img", {
    className: "shot",
    alt: "the page, as the browser shows it: click to click there",
    hidden: true,
    dataset: { role: "bridge-shot" },
  });
  const empty = el("p", {
    className: "muted empty",
    dataset: { role: "bridge-empty" },
    textContent:
      "Nothing open yet. Press Open to load the address above (any http(s) page this machine can reach). Its screenshot appears here: click on it to click the page at that point, and Type sends the text to whatever field has focus.",
  });
  const log = el("div", { className: "log", dataset: { role: "bridge-log" } });
  log.style.height = "90px";
  panel.append(
    el("div", { className: "toolbar" }, url, b.open),
    el("div", { className: "toolbar" }, text, b.type, b.enter, b.scroll, b.shot),
    empty,
    shot,
    log,
  );
  // Mouse moves are relative (dx/dy) in the bridge protocol: track where the pointer is, in page pixels.
  let mouse = { x: 0, y: 0 };
  let page = { width: 0, height: 0 };
  const screenshot = async () => {
    const r = await client.screenshot({ format: "png" });
    if (r.success && r.data) {
      // imageData is a data URL (upstream's shape); accept bare base64 too.
      const d = r.data.imageData;
      shot.src = d.startsWith("data:") ? d : `data:image/png;base64,${d}`;
      shot.hidden = false;
      empty.hidden = true;
      page = { width: r.data.width, height: r.data.height };
      shot.dataset.size = `${r.data.width}x${r.data.height}`;
    }
    logLine(log, `screenshot: ${r.success ? r.message : `failed: ${r.error}`}`);
  };
  const run = async (
    label: string,
    fn: () => Promise<{ success: boolean; message: string | null; error?: unknown }>,
  ) => {
    try {
      const r = await fn();
      logLine(log, `${label}: ${r.success ? r.message : `failed: ${r.error ?? r.message}`}`);
      await screenshot();
      return r;
    } catch (err) {
      logLine(log, `${label} failed: ${(err as Error).message}`);
      return undefined;
    }
  };
  const clickAt = (x: number, y: number) =>
    run(`click at ${x},${y}`, async () => {
      await client.mouseMove(x - mouse.x, y - mouse.y);
      mouse = { x, y };
      return client.click();
    });
  b.open.addEventListener("click", async () => {
    const wanted = url.value.trim();
    const r = (await run("open", () => client.openTab(wanted))) as
      | { success: boolean; data?: { url?: string } | null; error?: unknown }
      | undefined;
    // A page that could not be reached can come back as an empty or error URL: say so rather than show a blank.
    const landed = r?.data?.url ?? "";
    if (r?.success && (landed === "" || landed === "about:blank" || landed.startsWith("chrome-error:"))) {
      logLine(log, `could not load ${wanted}: the browser shows no page (is the address reachable from this machine?)`);
      panel.dataset.navigation = "failed";
    } else if (r?.success) panel.dataset.navigation = "ok";
    else panel.dataset.navigation = "failed";
  });
  // Click-through: a point on the screenshot is the same point on the page (the image may be scaled).
  shot.addEventListener("click", (e) => {
    if (!page.width || !shot.clientWidth) return;
    const x = Math.round((e.offsetX * page.width) / shot.clientWidth);
    const y = Math.round((e.offsetY * page.height) / shot.clientHeight);
    void clickAt(x, y);
  });
  b.type.addEventListener("click", () => run("type", () => client.type(text.value)));
  b.enter.addEventListener("click", () => run("enter", () => client.press("Enter")));
  b.scroll.addEventListener("click", () => run("scroll", () => client.scroll("down", 200)));
  b.shot.addEventListener("click", () => void screenshot());
  const poll = async () => {
    try {
      const s = await client.status();
      const n = s.data?.extensions_connected ?? 0;
      chip.set(n > 0 ? "open" : "reconnecting", `${n} executor${n === 1 ? "" : "s"}`);
    } catch {
      chip.set("reconnecting");
    }
  };
  await poll();
  setInterval(poll, 2000);
}
