import type { Browser } from "playwright-core";
import { trackLeftover } from "./leftovers.js";

/**
 * Debian's Chromium for browser tests: never a downloaded browser. These flags keep it quiet on a
 * closed network (no background requests, no component updates) and runnable as root in CI.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** `$CHROMIUM_PATH`, else `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return (
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.CHROMIUM_PATH ??
    "/usr/bin/chromium"
  );
}

/**
 * Debian's Chromium launched headless through playwright-core (an optional peer: imported only here),
 * with `args` (default CHROMIUM_ARGS); closed with the test's leftovers.
 */
export async function launchChromium(args: readonly string[] = CHROMIUM_ARGS): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...args] });
  trackLeftover(() => browser.close());
  return browser;
}
