import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trackLeftover } from "./leftovers.js";

/** A fresh folder in the OS's temporary directory, removed with everything in it by `disposeLeftovers`. */
export function tempDir(prefix = "proj-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  trackLeftover(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
