import { loadInfo } from "./info.js";
import { mountBlackjackPanel } from "./panels/blackjack.js";
import { mountBrowserPanel } from "./panels/browser.js";
import { mountKvmPanel } from "./panels/kvm.js";
import { mountScenePanel } from "./panels/scene.js";
import { mountTerminalPanel } from "./panels/terminal.js";

const info = await loadInfo();
const panel = (id: string) => document.getElementById(id) as HTMLElement;

/** Each panel starts on its own: one failing never blanks the others. */
async function start(id: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
    panel(id).dataset.ready = "true";
  } catch (err) {
    console.error(id, err);
    panel(id).dataset.error = (err as Error).message;
    panel(id).append(
      Object.assign(document.createElement("p"), {
        className: "muted",
        textContent: `failed to start: ${(err as Error).message}`,
      }),
    );
  }
}

await Promise.all([
  info.wsh && start("panel-terminal", () => mountTerminalPanel(panel("panel-terminal"), info.wsh!)),
  info.pikvm && start("panel-kvm", () => mountKvmPanel(panel("panel-kvm"), info.pikvm!)),
  info.vuer && start("panel-scene", () => mountScenePanel(panel("panel-scene"), info.vuer!)),
  info.cardsharp && start("panel-blackjack", () => mountBlackjackPanel(panel("panel-blackjack"), info.cardsharp!)),
  info["chrome-bridge"] &&
    start("panel-browser", () => mountBrowserPanel(panel("panel-browser"), info["chrome-bridge"]!)),
]);
document.body.dataset.ready = "true";
