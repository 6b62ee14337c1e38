import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";
import { sendJson } from "@proj/ws-core/server";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".webp": "image/webp",
  ".glb": "model/gltf-binary",
  ".gltf": "model/gltf+json",
  ".ply": "application/octet-stream",
  ".pcd": "application/octet-stream",
  ".obj": "text/plain; charset=utf-8",
  ".stl": "model/stl",
  ".urdf": "application/xml",
  ".xml": "application/xml",
  ".mp4": "video/mp4",
  ".wasm": "application/wasm",
};

export type LinkedContent = Uint8Array | string | (() => Uint8Array | string | Promise<Uint8Array | string>);

/**
 * Static files under `/workspace/`: dynamic links first (upstream's `workspace.link`), then each workspace
 * directory in order. Paths cannot leave a directory; `?hot` turns caching off.
 */
export class Workspace {
  readonly roots: string[];
  readonly #links = new Map<string, { content: LinkedContent; type: string | undefined }>();

  constructor(roots: string[]) {
    this.roots = roots.map((r) => resolve(r));
  }

  /** Serves `content` at `/workspace/<path>` (bytes, text, or a function called per request). */
  link(path: string, content: LinkedContent, contentType?: string): void {
    this.#links.set(clean(path), { content, type: contentType });
  }

  unlink(path: string): void {
    this.#links.delete(clean(path));
  }

  /** Answers GET/HEAD for `rel` (the part after `/workspace/`). */
  async serve(rel: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    let path: string;
    try {
      path = clean(decodeURIComponent(rel));
    } catch {
      sendJson(res, 400, { error: "bad path encoding" });
      return;
    }
    const hot =
      [...query.keys()].some((k) => k.toLowerCase() === "hot") && (query.get("hot") ?? "").toLowerCase() !== "false";
    const headers: Record<string, string> = hot ? { "Cache-Control": "no-cache" } : {};
    const linked = this.#links.get(path);
    if (linked) {
      const c = typeof linked.content === "function" ? await linked.content() : linked.content;
      const body = typeof c === "string" ? Buffer.from(c) : c;
      res.writeHead(200, {
        "Content-Type": linked.type ?? typeFor(path),
        "Content-Length": body.byteLength,
        ...headers,
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    for (const root of this.roots) {
      const file = resolve(root, `.${sep}${path}`);
      if (file !== root && !file.startsWith(root + sep)) continue;
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      res.writeHead(200, { "Content-Type": typeFor(file), "Content-Length": info.size, ...headers });
      if (req.method === "HEAD") {
        res.end();
        return;
      }
      await new Promise<void>((done) => {
        const stream = createReadStream(file);
        stream.on("error", () => {
          res.destroy();
          done();
        });
        stream.on("end", () => done());
        stream.pipe(res);
      });
      return;
    }
    sendJson(res, 404, { error: "workspace file not found", path });
  }
}

function clean(p: string): string {
  if (p.includes("\0")) return "\0invalid";
  const parts: string[] = [];
  for (const seg of p.split(/[/\\]+/)) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return parts.join("/");
}

function typeFor(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}
