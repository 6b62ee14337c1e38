import type { IncomingMessage, ServerResponse } from "node:http";
import { type AccessGuard, HttpError, readBody, sendJson } from "@proj/ws-core/server";
import { decodeEvent } from "../protocol/codec.js";
import { VIEWER_SCRIPT_PATH, viewerHtml, viewerScript } from "../viewer/assets.js";
import { pathUnder, requestUrl } from "./base-path.js";
import type { ResolvedVuerOptions } from "./options.js";
import { fanOut, type VuerSession } from "./session.js";
import type { Workspace } from "./workspace.js";

/** Body types `POST /relay` takes: none of them is a CORS "simple" type, so a browser must ask (preflight) first. */
export const RELAY_CONTENT_TYPES: readonly string[] = [
  "application/msgpack",
  "application/vnd.msgpack",
  "application/x-msgpack",
  "application/octet-stream",
];

/**
 * The plain-HTTP side of a Vuer server: the page at `/`, `/workspace/*`, `POST /relay`, CORS. Every request
 * passes the access guard first (Host, Origin, cross-site refusal; CORS headers and preflights for trusted
 * origins). Throws `HttpError` for anything it refuses; the caller turns that into the response.
 */
export class HttpRoutes {
  readonly #o: ResolvedVuerOptions;
  readonly #workspace: Workspace;
  readonly #sessions: ReadonlyMap<string, VuerSession>;
  readonly #guard: AccessGuard | undefined;

  constructor(
    options: ResolvedVuerOptions,
    workspace: Workspace,
    sessions: ReadonlyMap<string, VuerSession>,
    guard: AccessGuard | undefined,
  ) {
    this.#o = options;
    this.#workspace = workspace;
    this.#sessions = sessions;
    this.#guard = guard;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    const path = pathUnder(url?.pathname, this.#o.basePath);
    const query = url?.searchParams ?? new URLSearchParams();
    if (this.#guard?.handleRequest(req, res)) return;
    const method = req.method ?? "GET";
    if (path === "/" && (method === "GET" || method === "HEAD")) {
      const script = `${this.#o.basePath}${VIEWER_SCRIPT_PATH}`;
      const html = this.#o.indexHtml ?? viewerHtml({ wsUrl: this.#publicWsUrl(req), scriptUrl: script });
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(html) });
      res.end(method === "HEAD" ? undefined : html);
      return;
    }
    if (path === VIEWER_SCRIPT_PATH && (method === "GET" || method === "HEAD")) {
      const js = await viewerScript();
      const headers = { "Content-Type": "text/javascript; charset=utf-8", "Content-Length": Buffer.byteLength(js) };
      res.writeHead(200, { ...headers, "Cache-Control": "no-cache" });
      res.end(method === "HEAD" ? undefined : js);
      return;
    }
    if (path?.startsWith("/workspace/") && (method === "GET" || method === "HEAD")) {
      await this.#workspace.serve(path.slice("/workspace/".length), req, res, query);
      return;
    }
    const mount =
      path !== undefined && (method === "GET" || method === "HEAD") ? this.#workspace._mountFor(path) : undefined;
    if (mount) {
      await this.#workspace._serveMount(mount.dir, mount.rest, req, res, query);
      return;
    }
    if (path === "/relay") {
      if (method !== "POST") throw new HttpError(405, { error: "use POST" }, { Allow: "POST" });
      await this.#relay(req, res, query);
      return;
    }
    throw new HttpError(404, { error: "not found" });
  }

  /**
   * POST /relay?sid=<session id>|*: the body (one msgpack event, sent as `application/msgpack`) is queued to that
   * session, or to all.
   */
  async #relay(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const type = (req.headers["content-type"] ?? "").split(";", 1)[0]?.trim().toLowerCase() ?? "";
    if (!RELAY_CONTENT_TYPES.includes(type)) {
      req.resume(); // the body is never read
      throw new HttpError(
        415,
        { error: "the body must be one msgpack event sent as application/msgpack", contentType: type || null },
        { Accept: RELAY_CONTENT_TYPES.join(", ") },
      );
    }
    const sid = query.get("sid");
    if (!sid) throw new HttpError(400, { error: "sid is required (a session id, or * for every session)" });
    const one = sid === "*" ? undefined : this.#sessions.get(sid);
    if (sid !== "*" && !one) throw new HttpError(400, { error: "unknown sid", sid });
    const body = await readBody(req, this.#o.requestMaxSize);
    try {
      decodeEvent(body);
    } catch (err) {
      throw new HttpError(400, { error: "body must be one msgpack event", detail: (err as Error).message });
    }
    const delivered = fanOut(one ? [one] : this.#sessions.values(), body);
    sendJson(res, 200, { ok: true, delivered });
  }

  #publicWsUrl(req: IncomingMessage): string {
    const host = req.headers.host ?? `${this.#o.host}:${this.#o.port}`;
    const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
    return `${tls ? "wss" : "ws"}://${host}${this.#o.basePath}`;
  }
}
