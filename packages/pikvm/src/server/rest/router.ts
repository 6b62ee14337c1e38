import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "@proj/ws-core/server";
import { KvmdError, notFound, sendKvmd, sendKvmdError } from "../kvmd-error.js";
import { authRoutes } from "./auth-routes.js";
import type { RestDeps, Route } from "./context.js";
import { deviceRoutes } from "./device-routes.js";
import { hidRoutes } from "./hid-routes.js";
import { storageRoutes } from "./storage-routes.js";
import { streamerRoutes } from "./streamer-routes.js";

const ROUTES: Route[] = [...authRoutes, ...hidRoutes, ...deviceRoutes, ...streamerRoutes, ...storageRoutes];

/** kvmd's REST surface under `/api` (the subset listed in the README), with kvmd's auth and envelopes. */
export class RestRouter {
  readonly #deps: RestDeps;
  readonly #routes = new Map<string, Route>(ROUTES.map((r) => [`${r.method} ${r.path}`, r]));

  constructor(deps: RestDeps) {
    this.#deps = deps;
  }

  /** `apiPath` is the request path with the `/api` prefix removed. */
  async handle(req: IncomingMessage, res: ServerResponse, apiPath: string, url: URL): Promise<void> {
    try {
      const route = this.#routes.get(`${req.method} ${apiPath}`);
      if (!route) {
        const other = ROUTES.some((r) => r.path === apiPath);
        throw other ? new KvmdError(405, "HTTPMethodNotAllowed", "Method Not Allowed") : notFound();
      }
      if (!route.public) this.#deps.auth.check(req);
      const result = await route.handler({ req, res, url, deps: this.#deps });
      if (!res.headersSent) sendKvmd(res, 200, result ?? {});
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendKvmdError(res, asKvmdError(err));
    }
  }
}

/** Any failure as kvmd's envelope: HttpErrors keep their status, anything else is a 500. */
function asKvmdError(err: unknown): KvmdError {
  if (err instanceof KvmdError) return err;
  if (err instanceof HttpError)
    return new KvmdError(err.status, "HTTPError", typeof err.body === "string" ? err.body : err.message);
  return new KvmdError(500, "UnexpectedError", (err as Error).message ?? "error");
}
