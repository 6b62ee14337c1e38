import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DialogPolicy } from "../client/cdp/cdp-executor.js";
import { DEFAULT_SERVER_WS_URL } from "../protocol/constants.js";
import { extensionManifest } from "./manifest.js";

export interface BuildExtensionOptions {
  outDir: string;
  /** WebSocket URL the extension connects to. Default ws://127.0.0.1:8766. */
  serverUrl?: string;
  token?: string;
  /**
   * What the extension does with JavaScript dialogs: "dismiss" (default), "accept", or "leave"
   * (for the `dialog` command). chrome.storage.local `dialogs` overrides it at run time.
   */
  dialogs?: DialogPolicy;
  minify?: boolean;
}

/**
 * Bundles the service worker with esbuild (a dev dependency) and writes manifest.json: an
 * unpacked extension ready for `--load-extension` or chrome://extensions "Load unpacked".
 */
export async function buildExtension(options: BuildExtensionOptions): Promise<string> {
  const dialogs = options.dialogs ?? "dismiss";
  if (dialogs !== "dismiss" && dialogs !== "accept" && dialogs !== "leave")
    throw new TypeError(`dialogs must be "dismiss", "accept" or "leave", not ${JSON.stringify(dialogs)}`);
  const esbuild = await import("esbuild");
  const here = dirname(fileURLToPath(import.meta.url));
  await mkdir(options.outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(here, "service-worker.ts")],
    outfile: join(options.outDir, "background.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome116",
    conditions: ["@proj/source", "browser"],
    minify: options.minify ?? false,
    legalComments: "none",
    logLevel: "silent",
    define: {
      __CHROME_BRIDGE_SERVER_URL__: JSON.stringify(options.serverUrl ?? DEFAULT_SERVER_WS_URL),
      __CHROME_BRIDGE_TOKEN__: JSON.stringify(options.token ?? ""),
      __CHROME_BRIDGE_DIALOGS__: JSON.stringify(dialogs),
    },
  });
  await writeFile(join(options.outDir, "manifest.json"), `${JSON.stringify(extensionManifest(), null, 2)}\n`);
  return options.outDir;
}
