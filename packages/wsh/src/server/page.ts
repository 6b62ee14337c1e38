import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The terminal page's script and stylesheet (xterm.js and its addons bundled in). */
export interface PageAssets {
  js: string;
  css: string;
}

/**
 * Content-Security-Policy of the page and its assets: scripts only from this server (no inline script,
 * no eval), WebSockets and fetches to this server only, no frames, forms, plugins or base changes.
 * Inline styles are allowed because xterm.js sets its theme with a `<style>` element.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

let assets: Promise<PageAssets> | undefined;

/**
 * The bundled page: `terminal-page.js`/`.css` next to the built module (written by `pnpm build`), else
 * (running from the sources, e.g. the tests) bundled once on first use with esbuild.
 */
export function pageAssets(): Promise<PageAssets> {
  assets ??= loadPrebuilt().then((a) => a ?? bundlePage());
  assets.catch(() => {
    assets = undefined;
  });
  return assets;
}

async function loadPrebuilt(): Promise<PageAssets | undefined> {
  for (const dir of ["./", "../"]) {
    try {
      const [js, css] = await Promise.all([
        readFile(new URL(`${dir}terminal-page.js`, import.meta.url), "utf8"),
        readFile(new URL(`${dir}terminal-page.css`, import.meta.url), "utf8"),
      ]);
      return { js, css };
    } catch {
      // not built: try the next place, then bundle
    }
  }
  return undefined;
}

/** Bundles src/page/terminal.ts with esbuild (a dev dependency; the published build ships the result). */
export async function bundlePage(options: { minify?: boolean } = {}): Promise<PageAssets> {
  const esbuild = await import("esbuild");
  const entry = fileURLToPath(new URL("../page/terminal.ts", import.meta.url));
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "iife",
    target: "es2020",
    write: false,
    outdir: "out",
    entryNames: "terminal-page",
    minify: options.minify ?? true,
    legalComments: "inline",
    logLevel: "silent",
  });
  const text = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? "";
  return { js: text(".js"), css: text(".css") };
}

const escapeAttr = (s: string) => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The HTML of the page; `role` "viewer" gives a page that watches without typing, "none" the shell
 * sent with a 401 when no token was given (see rest.ts).
 */
export function pageHtml(o: { role: "owner" | "viewer" | "none"; title?: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="wsh-role" content="${o.role}">
<title>${escapeAttr(o.title ?? "wsh")}</title>
<link rel="stylesheet" href="assets/terminal.css">
</head>
<body>
<header id="bar"><span id="status">loading…</span><span id="size"></span></header>
<main id="terminal"></main>
<script src="assets/terminal.js"></script>
</body>
</html>
`;
}

/** Layout of the page itself, appended to the bundled xterm.css. */
export const PAGE_CSS = `
html, body { margin: 0; height: 100%; background: #000; color: #ccc; font: 13px system-ui, sans-serif; }
body { display: flex; flex-direction: column; }
#bar { display: flex; justify-content: space-between; gap: 1em; padding: 2px 8px; background: #222; }
body[data-state="connected"] #status { color: #7c7; }
body[data-state="disconnected"] #status, body[data-state="read-only-refused"] #status,
body[data-state="token-required"] #status { color: #e77; }
#terminal { flex: 1; min-height: 0; overflow: auto; padding: 4px; }
`;
