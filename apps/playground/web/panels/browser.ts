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
  const chip = statusChip("bridge");
  panelHeader(panel, "Browser", "chrome-bridge · REST + WebSocket relay", chip.el);
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
  const url = el("input", { value: `${location.origin}/target.html`, size: 34 });
  const text = el("input", { value: "hello ✓", size: 10 });
  const b = {
    open: el("button", { textContent: "Open" }),
    click: el("button", { textContent: "Click pad" }),
    type: el("button", { textContent: "Type" }),
    scroll: el("button", { textContent: "Scroll" }),
    shot: el("button", { textContent: "Screenshot" }),
  };
  const shot = el("img", { className: "shot", alt: "screenshot", hidden: true, dataset: { role: "bridge-shot" } });
  const log = el("div", { className: "log", dataset: { role: "bridge-log" } });
  log.style.height = "90px";
  panel.append(
    el("div", { className: "toolbar" }, url, b.open),
    el("div", { className: "toolbar" }, b.click, text, b.type, b.scroll, b.shot),
    shot,
    log,
  );
  // Mouse moves are relative (dx/dy) in the bridge protocol: track where the pointer is.
  let mouse = { x: 0, y: 0 };
  const screenshot = async () => {
    const r = await client.screenshot({ format: "png" });
    if (r.success && r.data) {
      // imageData is a data URL (upstream's shape); accept bare base64 too.
      const d = r.data.imageData;
      shot.src = d.startsWith("data:") ? d : `data:image/png;base64,${d}`;
      shot.hidden = false;
      shot.dataset.size = `${r.data.width}x${r.data.height}`;
    }
    logLine(log, `screenshot: ${r.message}`);
  };
  const run = async (label: string, fn: () => Promise<{ success: boolean; message: string | null }>) => {
    try {
      const r = await fn();
      logLine(log, `${label}: ${r.message}`);
      await screenshot();
    } catch (err) {
      logLine(log, `${label} failed: ${(err as Error).message}`);
    }
  };
  b.open.addEventListener("click", () => run("open", () => client.openTab(url.value)));
  b.click.addEventListener("click", () =>
    run("click", async () => {
      const target = { x: 200, y: 130 };
      await client.mouseMove(target.x - mouse.x, target.y - mouse.y);
      mouse = target;
      return client.click();
    }),
  );
  b.type.addEventListener("click", () => run("type", () => client.type(text.value)));
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
