import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import {
  AccessGuard,
  type AccessOptions,
  closeHttpServer,
  HttpError,
  listen,
  requestPath,
  sendHttpError,
  sendJson,
  UpgradeRouter,
} from "@proj/ws-core/server";
import type { MountContext, Mounted } from "./mount.js";
import { serveStatic } from "./static.js";

export interface PlaygroundOptions {
  host?: string;
  port?: number;
  /** Built page; defaults to ../dist/web. */
  webRoot?: string;
  /** Protocol mounts, each given the shared server once it listens. */
  mounts: Array<(ctx: MountContext) => Promise<Mounted>>;
  log?: (line: string) => void;
  /** Browser origins (besides the page's own) and Host names (besides loopback) to trust; see ws-core's AccessGuard. */
  allowedOrigins?: AccessOptions["allowedOrigins"];
  allowedHosts?: AccessOptions["allowedHosts"];
}

export interface Playground {
  url: string;
  server: import("node:http").Server;
  port: number;
  mounted: Mounted[];
  close(): Promise<void>;
}

/** One HTTP server, one port: every protocol's WebSocket paths through one UpgradeRouter, REST and the page beside them. */
export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const webRoot = options.webRoot ?? fileURLToPath(new URL("../dist/web", import.meta.url));
  const log = options.log ?? (() => {});
  const mounted: Mounted[] = [];
  const router = new UpgradeRouter();
  const host = options.host ?? "127.0.0.1";
  // One policy in front of every mount (each protocol server also applies its own): only the page this
  // server serves, and non-browser clients, may reach the shell, the KVM, the table or the browser.
  const access: AccessOptions = {
    bindHost: host,
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
  };
  const guard = new AccessGuard(access);
  const server = createServer(async (req, res) => {
    try {
      if (guard.handleRequest(req, res)) return;
      const path = requestPath(req.url);
      if (!isDecodable(req.url)) return sendHttpError(res, new HttpError(400, { error: "bad path encoding" }));
      if (path === "/api/playground") {
        return sendJson(res, 200, Object.fromEntries(mounted.map((m) => [m.name, m.info])), {
          "Cache-Control": "no-store",
        });
      }
      for (const m of mounted) if (m.handle && (await m.handle(req, res))) return;
      if (await serveStatic(webRoot, path, req, res)) return;
      sendJson(res, 404, { error: "not found", path });
    } catch (err) {
      log(`request error: ${(err as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.end();
    }
  });
  server.on("upgrade", (req, socket, head) => {
    if (!guard.rejectUpgrade(req, socket)) router.handle(req, socket, head);
  });
  const l = await listen(server, { host, port: options.port ?? 0 });
  const ctx: MountContext = { server, baseUrl: l.url, services: new Map(), access };
  for (const mount of options.mounts) {
    const m = await mount(ctx);
    for (const [path, h] of Object.entries(m.routes)) router.add(path, h);
    mounted.push(m);
    log(`mounted ${m.name}`);
  }
  await Promise.all(mounted.map((m) => m.start?.()));
  return {
    url: l.url,
    server,
    port: l.port,
    mounted,
    close: async () => {
      const httpClosed = closeHttpServer(server);
      await Promise.allSettled(mounted.map((m) => m.close()));
      await httpClosed;
    },
  };
}

/** False when the request target's path is not valid percent-encoding (answered 400, not 500). */
function isDecodable(url: string | undefined): boolean {
  try {
    decodeURIComponent((url ?? "/").split(/[?#]/, 1)[0] ?? "/");
    return true;
  } catch {
    return false;
  }
}
