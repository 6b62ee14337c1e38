import type { IncomingMessage, ServerResponse } from "node:http";
import { serveStaticFile } from "@proj/ws-core/server";

/** Serves the built page from `root` (no dot-files, nothing outside it); false when the path is not a file there. */
export function serveStatic(root: string, path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  return serveStaticFile(root, path === "/" ? "/index.html" : path, req, res, {
    headers: { "Cache-Control": path === "/" || path === "/index.html" ? "no-cache" : "public, max-age=3600" },
  });
}
