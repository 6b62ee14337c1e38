import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { contentTypeFor, sendJson, serveStaticFile } from "@proj/ws-core/server";

/** What a linked function may return: bytes, text, a `Blob`, or a plain object or array (served as JSON). */
export type LinkedValue = Uint8Array | string | Blob | Record<string, unknown> | unknown[];

/**
 * What `workspace.link` serves: bytes, text, a `Blob`, a plain object or array (served as JSON, as upstream
 * serves a dict), or a function called per request (sync or async) that is handed the request
 * (`IncomingMessage`) and its query, as upstream hands callables taking an argument the request.
 */
export type LinkedContent =
  | LinkedValue
  | ((request: IncomingMessage, query: URLSearchParams) => LinkedValue | Promise<LinkedValue>);

export interface LinkOptions {
  /** Response `Content-Type`; default from the path's extension (a function returning an object: JSON). */
  contentType?: string;
}

/**
 * Static files under `/workspace/`: dynamic links first (upstream's `workspace.link`), then each workspace
 * directory in order (ws-core's `serveStaticFile`: real paths must stay inside the directory, so `..` and
 * symlinks leading out answer 404, as do dot-files such as `.env` or `.git/config`); `?hot` turns caching off.
 * `mount(dir, {to})` serves another directory at its own route, under the same rules.
 */
export class Workspace {
  readonly roots: string[];
  readonly #links = new Map<string, { content: LinkedContent; type: string | undefined }>();
  readonly #mounts = new Map<string, string>();

  constructor(roots: string[]) {
    this.roots = roots.map((r) => resolve(r));
  }

  /**
   * Serves `content` at `/workspace/<to>`, as upstream's `workspace.link(target, to)`: bytes, text, a Blob, an
   * object or array (sent as JSON, as upstream's dict), or a function called per request with the request and
   * its query whose result is served the same way.
   * Returns `to`. A link can be replaced or `unlink`ed while the server runs.
   */
  link(content: LinkedContent, to: string, options: LinkOptions | string = {}): string {
    if (typeof to !== "string")
      throw new TypeError("workspace.link(content, to): the path comes second, as upstream's link(target, to)");
    const o = typeof options === "string" ? { contentType: options } : options;
    this.#links.set(clean(to), { content, type: o.contentType });
    return to;
  }

  /** Removes a link; true when there was one. */
  unlink(path: string): boolean {
    return this.#links.delete(clean(path));
  }

  /**
   * Serves the directory `dir` at the route `to` (e.g. `mount("./uploads", {to: "/uploads"})` answers
   * `GET /uploads/<file>`), as upstream's `workspace.mount(path, to=...)`. Same rules as the workspace
   * directories: no dot-files, nothing through `..` or symlinks leading out, `?hot` turns caching off.
   */
  mount(dir: string, options: { to: string }): void {
    const route = clean(options.to);
    if (route === "" || route.startsWith("\0")) throw new TypeError(`mount needs a route below /, got ${options.to}`);
    this.#mounts.set(route, resolve(dir));
  }

  /** The mounted routes (`/uploads`, ...) and their directories. */
  get mounts(): ReadonlyMap<string, string> {
    return new Map([...this.#mounts].map(([route, dir]) => [`/${route}`, dir]));
  }

  /** @internal Which mount serves `path` (`/uploads/a.png`): its directory and the rest of the path. */
  _mountFor(path: string): { dir: string; rest: string } | undefined {
    let best: { dir: string; rest: string; len: number } | undefined;
    for (const [route, dir] of this.#mounts) {
      const prefix = `/${route}/`;
      if (path.startsWith(prefix) && (!best || route.length > best.len))
        best = { dir, rest: path.slice(prefix.length), len: route.length };
    }
    return best && { dir: best.dir, rest: best.rest };
  }

  /** @internal Answers GET/HEAD below a mount (`rest` = the path after the route). */
  async _serveMount(
    dir: string,
    rest: string,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
  ): Promise<void> {
    const decoded = decodePath(rest, res);
    if (decoded === undefined) return;
    const served = await serveStaticFile(dir, decoded, req, res, {
      dotfiles: false,
      index: false,
      headers: { "Content-Type": contentTypeFor(decoded), ...hotHeaders(query) },
    });
    if (!served) sendJson(res, 404, { error: "file not found", path: clean(decoded) });
  }

  /** Answers GET/HEAD for `rel` (the part after `/workspace/`). */
  async serve(rel: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const decoded = decodePath(rel, res);
    if (decoded === undefined) return;
    const path = clean(decoded);
    const headers = hotHeaders(query);
    const linked = this.#links.get(path);
    if (linked) {
      const c = typeof linked.content === "function" ? await linked.content(req, query) : linked.content;
      let body: Uint8Array;
      let type = linked.type ?? contentTypeFor(path);
      if (typeof c === "string") body = Buffer.from(c);
      else if (c instanceof Uint8Array) body = c;
      else if (c instanceof Blob) {
        body = new Uint8Array(await c.arrayBuffer());
        if (c.type) type = c.type;
      } else {
        body = Buffer.from(JSON.stringify(c));
        type = linked.type ?? "application/json";
      }
      res.writeHead(200, { "Content-Type": type, "Content-Length": body.byteLength, ...headers });
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

function decodePath(rel: string, res: ServerResponse): string | undefined {
  try {
    return decodeURIComponent(rel);
  } catch {
    sendJson(res, 400, { error: "bad path encoding" });
    return undefined;
  }
}

/** `?hot` (any case, any value but "false") turns caching off, as upstream. */
function hotHeaders(query: URLSearchParams): Record<string, string> {
  const key = [...query.keys()].find((k) => k.toLowerCase() === "hot");
  return key !== undefined && (query.get(key) ?? "").toLowerCase() !== "false" ? { "Cache-Control": "no-cache" } : {};
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
