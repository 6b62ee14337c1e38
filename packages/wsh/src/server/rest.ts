import type { IncomingMessage, ServerResponse } from "node:http";
import { type AccessGuard, HttpError, sendHttpError, sendJson } from "@proj/ws-core/server";
import { DEFAULT_SCROLLBACK_LIMIT } from "../protocol/constants.js";
import type { Format } from "../protocol/screen.js";
import { guardRequest } from "./access.js";
import type { Role } from "./auth.js";
import { apiError, readLimitedBody, sendNoContent } from "./http.js";
import { PAGE_CSP, PAGE_CSS, pageAssets, pageHtml } from "./page.js";
import type { Recorder } from "./recording.js";
import { InvalidSizeError, type TerminalSession } from "./terminal/session.js";

export interface RestOptions {
  session: TerminalSession;
  /** The request's role, or throws the auth refusal (401/403 envelope). */
  authorize: (req: IncomingMessage) => Role;
  /** The trust policy every route (even /health) passes first; undefined trusts everyone. */
  guard: () => AccessGuard | undefined;
  /** Largest POST /input or /resize body. */
  maxBodyBytes: number;
  /** Largest `limit` on /scrollback. */
  maxScrollbackLimit: number;
  /** Who may POST /resize (see `WshServerOptions.resizePolicy`). */
  resizePolicy: ResizePolicy;
  /** Serve the terminal page at / (and its assets). */
  page: boolean;
  /** The recording served at GET /recording (owner only), if any. */
  recorder: () => Recorder | undefined;
}

/** Paths that need no token (the access guard still applies): the health check and the page's code. */
const PUBLIC_PATHS = new Set(["/health", "/assets/terminal.js", "/assets/terminal.css"]);

const PAGE_HEADERS = {
  "Content-Security-Policy": PAGE_CSP,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

function sendText(res: ServerResponse, type: string, body: string, cache: string, status = 200): void {
  res.writeHead(status, {
    ...PAGE_HEADERS,
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": cache,
  });
  res.end(body);
}

/**
 * Who sets the PTY size. "owner": the owner role (the owner token; with no token configured, every client
 * the access guard lets in) and the local side. "attached": only the local side (the CLI's attached
 * terminal, `session.resize()`); POST /resize gets 403 `resize_not_allowed`. Viewers never resize.
 */
export type ResizePolicy = "owner" | "attached";

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, role: Role) => Promise<void> | void;

/** Paths answered (method -> handler); the WebSocket paths are here only to refuse plain GETs. */
export function createRestRoutes(o: RestOptions): Map<string, Partial<Record<string, Handler>>> {
  const { session } = o;
  const format = (url: URL): Format => {
    const f = url.searchParams.get("format") ?? "styled";
    if (f !== "plain" && f !== "styled") throw apiError("invalid_format", `format must be plain or styled, got '${f}'`);
    return f;
  };
  const uint = (url: URL, name: string, dflt: number): number => {
    const v = url.searchParams.get(name);
    if (v === null) return dflt;
    if (!/^\d+$/.test(v)) throw apiError("invalid_request", `${name} must be a non-negative integer`);
    return Number(v);
  };
  const needsUpgrade: Handler = () => {
    throw new HttpError(
      426,
      { error: { code: "invalid_request", message: "Invalid request: WebSocket upgrade required." } },
      { Upgrade: "websocket" },
    );
  };
  const routes = new Map<string, Partial<Record<string, Handler>>>([
    ["/health", { GET: (_q, res) => sendJson(res, 200, { status: "ok" }) }],
    [
      "/input",
      {
        POST: async (req, res) => {
          const body = await readLimitedBody(req, o.maxBodyBytes);
          if (body.length > 0 && !session.write(body)) throw apiError("input_send_failed");
          if (session.ended) throw apiError("input_send_failed");
          sendNoContent(res);
        },
      },
    ],
    ["/screen", { GET: (_q, res, url) => sendJson(res, 200, session.emulator.screen(format(url))) }],
    [
      "/scrollback",
      {
        GET: async (_q, res, url) => {
          const f = format(url);
          const offset = uint(url, "offset", 0);
          const limit = Math.min(uint(url, "limit", DEFAULT_SCROLLBACK_LIMIT), o.maxScrollbackLimit);
          const sb = await session.emulator.readScrollback(f, offset, limit);
          if (!sb) throw apiError("parser_unavailable");
          sendJson(res, 200, sb);
        },
      },
    ],
    ["/input/mode", { GET: (_q, res) => sendJson(res, 200, { mode: session.inputMode }) }],
    [
      "/input/capture",
      {
        POST: (_q, res) => {
          session.setInputMode("capture");
          sendNoContent(res);
        },
      },
    ],
    [
      "/input/release",
      {
        POST: (_q, res) => {
          session.setInputMode("passthrough");
          sendNoContent(res);
        },
      },
    ],
    [
      "/resize",
      {
        POST: async (req, res) => {
          if (o.resizePolicy === "attached") throw apiError("resize_not_allowed");
          const body = await readLimitedBody(req, o.maxBodyBytes);
          let json: { cols?: unknown; rows?: unknown };
          try {
            json = JSON.parse(body.toString("utf8"));
          } catch {
            throw apiError("invalid_request", "body must be JSON {cols, rows}");
          }
          try {
            session.resize(json?.cols as number, json?.rows as number);
          } catch (err) {
            if (err instanceof InvalidSizeError) throw apiError("invalid_request", err.message);
            throw err;
          }
          sendNoContent(res);
        },
      },
    ],
    ["/ws/raw", { GET: needsUpgrade }],
    ["/ws/json", { GET: needsUpgrade }],
    [
      "/recording",
      {
        GET: (_q, res, _url, role) => {
          const recorder = o.recorder();
          if (!recorder) throw apiError("not_found", "this server does not record");
          if (role !== "owner") throw apiError("owner_only");
          recorder.stream(res);
        },
      },
    ],
  ]);
  if (o.page) {
    routes.set("/", {
      GET: (_q, res, _url, role) => sendText(res, "text/html; charset=utf-8", pageHtml({ role }), "no-store"),
    });
    routes.set("/assets/terminal.js", {
      GET: async (_q, res) => sendText(res, "text/javascript; charset=utf-8", (await pageAssets()).js, "no-cache"),
    });
    routes.set("/assets/terminal.css", {
      GET: async (_q, res) =>
        sendText(res, "text/css; charset=utf-8", `${(await pageAssets()).css}\n${PAGE_CSS}`, "no-cache"),
    });
  }
  return routes;
}

/** Whether a request is a browser's navigation (it prefers HTML), not an API client's. */
function acceptsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").includes("text/html");
}

/**
 * Answers a request for one of our paths (relative to `basePath`). Returns false, without touching
 * `res`, when the path is not ours, so a shared server can try other handlers.
 */
export function createRequestHandler(o: RestOptions & { basePath: string }) {
  const routes = createRestRoutes(o);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!url.pathname.startsWith(o.basePath)) return false;
    const path = url.pathname.slice(o.basePath.length) || "/";
    const route = routes.get(path);
    if (!route) return false;
    // Host and Origin first: a foreign page's request (a "simple" text/plain POST included) is
    // refused before anything reads its body or looks at its token.
    if (guardRequest(o.guard(), req, res)) return true;
    if (path === "/" && o.page && req.method === "GET" && !url.pathname.endsWith("/")) {
      // The page's relative asset and WebSocket URLs need the trailing slash (a mounted server's
      // /wsh -> /wsh/), token or not: the token-less shell (below) loads its assets the same way.
      res.writeHead(308, { Location: `${url.pathname}/${url.search}` });
      res.end();
      return true;
    }
    void (async () => {
      try {
        const role = PUBLIC_PATHS.has(path) ? "viewer" : o.authorize(req);
        const method = req.method ?? "GET";
        const handler = route[method];
        if (!handler) throw apiError("method_not_allowed", undefined, { Allow: Object.keys(route).join(", ") });
        // Every route but a GET changes the terminal (input, size, input mode): owner only.
        if (role === "viewer" && method !== "GET") throw apiError("read_only");
        await handler(req, res, url, role);
      } catch (err) {
        const e = err instanceof HttpError ? err : apiError("internal_error", (err as Error).message);
        if (!res.headersSent && e.status === 401 && path === "/" && o.page && acceptsHtml(req)) {
          // A browser opening the page without a token (a reload, once the page moved `?token=` out of
          // the address bar): still 401, but the page's shell, which carries nothing of the terminal. The
          // page asks again with the token its tab kept, or says that a token is needed.
          sendText(res, "text/html; charset=utf-8", pageHtml({ role: "none" }), "no-store", 401);
          return;
        }
        if (!res.headersSent) sendHttpError(res, e);
        else res.end();
      }
    })();
    return true;
  };
}
