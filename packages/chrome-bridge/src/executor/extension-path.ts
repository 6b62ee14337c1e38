import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Folder of the unpacked MV3 extension shipped in the package (`dist/extension`), for
 * `chromium --load-extension=<dir>` or chrome://extensions "Load unpacked".
 */
export function extensionDir(): string {
  // ESM has import.meta.url; the CJS build gets an empty import.meta and has __dirname instead.
  const metaUrl: string | undefined = import.meta.url;
  const here = metaUrl ? dirname(fileURLToPath(metaUrl)) : __dirname;
  for (const candidate of [join(here, "extension"), join(here, "..", "..", "dist", "extension")]) {
    if (existsSync(join(candidate, "manifest.json"))) return candidate;
  }
  throw new Error("The built extension was not found: run the package build (pnpm --filter @proj/chrome-bridge build)");
}
