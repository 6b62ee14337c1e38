// `pnpm build` step: bundles the terminal page (src/page/terminal.ts, xterm.js and its addons) into
// dist/terminal-page.js and dist/terminal-page.css, which the built server serves at /assets/.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bundlePage } from "../src/server/page.js";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const { js, css } = await bundlePage();
mkdirSync(dist, { recursive: true });
writeFileSync(`${dist}terminal-page.js`, js);
writeFileSync(`${dist}terminal-page.css`, css);
process.stdout.write(`terminal page: ${js.length} bytes of script, ${css.length} of CSS\n`);
