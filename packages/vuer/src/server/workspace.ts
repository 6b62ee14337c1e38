import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { contentTypeFor, sendJson, serveStaticFile } from "@proj/ws-core/server";

export type LinkedContent = Uint8Array | string | (() => Uint8Array | string | Promise<Uint8Array | string>);

/**
 * Static files under `/workspace/`: dynamic links first (upstream's `workspace.link`), then each workspace
 * directory in order (ws-core's `serveStaticFile`: real paths must stay inside the directory, so `..` and
 * symlinks leading out answer 404, as do dot-files such as `.env` or `.git/config`); `?hot` turns caching off.
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
    let decoded: string;
    try {
      decoded = decodeURIComponent(rel);
    } catch {
      sendJson(res, 400, { error: "bad path encoding" });
      return;
    }
    const path = clean(decoded);
    const hot =
      [...query.keys()].some((k) => k.toLowerCase() === "hot") && (query.get("hot") ?? "").toLowerCase() !== "false";
    const headers: Record<string, string> = hot ? { "Cache-Control": "no-cache" } : {};
    const linked = this.#links.get(path);
    if (linked) {
      const c = typeof linked.content === "function" ? await linked.content() : linked.content;
      const body = typeof c === "string" ? Buffer.from(c) : c;
      res.writeHead(200, {
        "Content-Type": linked.type ?? contentTypeFor(path),
        "Content-Length": body.byteLength,
        ...headers,
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    const type = contentTypeFor(path);
    for (const root of this.roots) {
      // The decoded path as requested (not `clean`ed): a `..` in it is refused, never resolved.
      const served = await serveStaticFile(root, decoded, req, res, {
        dotfiles: false,
        index: false,
        headers: { "Content-Type": type, ...headers },
      });
      if (served) return;
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
