// `pnpm build` step: bundles the viewer page (src/viewer/page.ts with three.js) into dist/vuer-viewer.js, which the
// built server serves at /assets/vuer-viewer.js (running from the sources, the server bundles it on first use).
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundleViewer, VIEWER_SCRIPT } from "../src/viewer/assets.js";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const js = await bundleViewer();
mkdirSync(dist, { recursive: true });
writeFileSync(`${dist}${VIEWER_SCRIPT}`, js);
process.stdout.write(`viewer page: ${js.length} bytes of script\n`);
