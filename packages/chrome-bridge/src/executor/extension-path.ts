import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Folder of the unpacked MV3 extension shipped in the package (`dist/extension`), for
 * `chromium --load-extension=<dir>` or chrome://extensions "Load unpacked".
 */
export function extensionDir(): string {
  const here = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, "extension"), join(here, "..", "..", "dist", "extension")]) {
    if (existsSync(join(candidate, "manifest.json"))) return candidate;
  }
  throw new Error("The built extension was not found: run the package build (pnpm --filter @proj/chrome-bridge build)");
}
