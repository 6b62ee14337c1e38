// Node side of the viewer: the bundled page script (prebuilt by `pnpm build`, else bundled on first use from the
// sources with esbuild) and the page's HTML. Not part of the browser export.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** File name of the prebuilt bundle in dist/ and the path (under the server's base path) it is served at. */
export const VIEWER_SCRIPT = "vuer-viewer.js";
export const VIEWER_SCRIPT_PATH = `/assets/${VIEWER_SCRIPT}`;

let script: Promise<string> | undefined;

/** The viewer page's script: three.js and the viewer in one file, no CDN. */
export function viewerScript(): Promise<string> {
  script ??= readFile(new URL(`./${VIEWER_SCRIPT}`, import.meta.url), "utf8").catch(() => bundleViewer());
  script.catch(() => {
    script = undefined;
  });
  return script;
}

/** Bundles src/viewer/page.ts (three.js included) for browsers with esbuild, a dev dependency. */
export async function bundleViewer(options: { minify?: boolean } = {}): Promise<string> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL("./page.ts", import.meta.url))],
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2020",
    write: false,
    minify: options.minify ?? true,
    legalComments: "inline",
    logLevel: "silent",
    conditions: ["@proj/source"],
  });
  return result.outputFiles[0]?.text ?? "";
}

const escapeAttr = (s: string) => s.replace(/[&"<>']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The viewer page: `wsUrl` is the socket it opens unless the address has `?ws=`. */
export function viewerHtml(o: { wsUrl: string; scriptUrl: string; title?: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="vuer-ws" content="${escapeAttr(o.wsUrl)}">
<title>${escapeAttr(o.title ?? "Vuer")}</title>
<style>
html, body { margin: 0; height: 100%; background: #1c232b; color: #c8d0d8; font: 12px system-ui, sans-serif; overflow: hidden; }
#viewer { position: absolute; inset: 0; }
#status { position: absolute; left: 8px; bottom: 6px; pointer-events: none; opacity: .8; }
body[data-status="open"] #status { color: #7c7; }
body[data-status="reconnecting"] #status, body[data-status="closed"] #status { color: #e77; }
</style>
</head>
<body>
<div id="viewer"></div>
<div id="status">loading…</div>
<script src="${escapeAttr(o.scriptUrl)}"></script>
</body>
</html>
`;
}
