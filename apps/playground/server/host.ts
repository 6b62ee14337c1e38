import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { closeHttpServer, listen, sendJson, UpgradeRouter } from "@proj/ws-core/server";
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
}

export interface Playground {
  url: string;
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
  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/api/playground") {
        return sendJson(res, 200, Object.fromEntries(mounted.map((m) => [m.name, m.info])));
      }
      for (const m of mounted) if (m.handle && (await m.handle(req, res))) return;
      if (serveStatic(webRoot, req, res)) return;
      sendJson(res, 404, { error: "not found", path });
    } catch (err) {
      log(`request error: ${(err as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.end();
    }
  });
  router.attach(server);
  const l = await listen(server, { host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  const ctx: MountContext = { server, baseUrl: l.url, services: new Map() };
  for (const mount of options.mounts) {
    const m = await mount(ctx);
    for (const [path, h] of Object.entries(m.routes)) router.add(path, h);
    mounted.push(m);
    log(`mounted ${m.name}`);
  }
  await Promise.all(mounted.map((m) => m.start?.()));
  return {
    url: l.url,
    port: l.port,
    mounted,
    close: async () => {
      const httpClosed = closeHttpServer(server);
      await Promise.allSettled(mounted.map((m) => m.close()));
      await httpClosed;
    },
  };
}
