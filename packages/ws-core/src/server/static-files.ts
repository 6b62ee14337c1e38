import { createReadStream, type Stats } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";

export interface StaticFileOptions {
  /** Serve names starting with "." (`.git`, `.env`). Default false: they answer as missing. */
  dotfiles?: boolean;
  /** A directory answers this file inside it. Default "index.html"; `false` for none. */
  index?: string | false;
}

export interface StaticFile {
  /** The real path (symlinks resolved, inside the real root). */
  path: string;
  stats: Stats;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".wasm": "application/wasm",
  ".glb": "model/gltf-binary",
  ".gltf": "model/gltf+json",
  ".md": "text/markdown; charset=utf-8",
  ".xml": "application/xml",
  ".urdf": "application/xml",
  ".obj": "text/plain; charset=utf-8",
  ".stl": "model/stl",
  ".mp4": "video/mp4",
};

/** The Content-Type for a file name (application/octet-stream when unknown). */
export function contentTypeFor(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Finds the file a URL path names under `root`, or undefined. `urlPath` is already percent-decoded.
 * Containment is checked on real paths, so a symlink inside the root that points outside it (or a
 * `..` that survives) never escapes; dot-files are hidden unless asked for.
 */
export async function resolveStaticFile(
  root: string,
  urlPath: string,
  options: StaticFileOptions = {},
): Promise<StaticFile | undefined> {
  if (urlPath.includes("\0")) return undefined;
  const segments = urlPath.split(/[/\\]+/).filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return undefined;
  if (!options.dotfiles && segments.some((s) => s.startsWith("."))) return undefined;
  try {
    const realRoot = await realpath(resolve(root));
    let path = await realpath(resolve(realRoot, ...segments));
    if (path !== realRoot && !path.startsWith(realRoot + sep)) return undefined;
    let stats = await stat(path);
    const index = options.index ?? "index.html";
    if (stats.isDirectory() && index) {
      path = await realpath(resolve(path, index));
      if (!path.startsWith(realRoot + sep)) return undefined;
      stats = await stat(path);
    }
    return stats.isFile() ? { path, stats } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves a GET/HEAD for `urlPath` from `root` (see `resolveStaticFile`); false when there is no such
 * file, so the caller can answer 404 its own way.
 */
export async function serveStaticFile(
  root: string,
  urlPath: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: StaticFileOptions & { headers?: Record<string, string> } = {},
): Promise<boolean> {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const file = await resolveStaticFile(root, urlPath, options);
  if (!file) return false;
  res.writeHead(200, {
    "Content-Type": contentTypeFor(file.path),
    "Content-Length": file.stats.size,
    "X-Content-Type-Options": "nosniff",
    ...options.headers,
  });
  if (req.method === "HEAD") {
    res.end();
    return true;
  }
  await new Promise<void>((done) => {
    createReadStream(file.path)
      .on("error", () => {
        res.destroy();
        done();
      })
      .on("end", done)
      .pipe(res);
  });
  return true;
}
