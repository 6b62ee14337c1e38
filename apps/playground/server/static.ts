import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".map": "application/json",
  ".woff2": "font/woff2",
};

/** Serves the built page from `root`; returns false when the path is not a file there. */
export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): boolean {
  const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  const rel = pathname === "/" ? "index.html" : pathname.slice(1);
  const file = normalize(join(root, rel));
  if (!file.startsWith(root + sep) && file !== root) return false;
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  res.writeHead(200, {
    "Content-Type": types[extname(file)] ?? "application/octet-stream",
    "Cache-Control": rel === "index.html" ? "no-cache" : "public, max-age=3600",
  });
  createReadStream(file).pipe(res);
  return true;
}
