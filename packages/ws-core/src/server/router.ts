import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { HttpError, rejectUpgrade } from "./http-error.js";

/**
 * The path of a request target, taken literally: `new URL("//api//ws", base)` would read "api" as a
 * host. Repeated slashes collapse (as aiohttp's normalize_path does) so `//api//ws/` routes like `/api/ws`.
 */
export function requestPath(url: string | undefined): string {
  const raw = (url ?? "/").split(/[?#]/, 1)[0] || "/";
  let path = raw.replace(/\/{2,}/g, "/");
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep the raw path when it is not valid percent-encoding
  }
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

function notFound(socket: Duplex, path: string): void {
  rejectUpgrade(socket, new HttpError(404, { error: "no WebSocket endpoint at this path", path }));
}

/** Anything that can take an upgrade: a `WsEndpoint`, or a protocol server's own handler. */
export interface UpgradeHandler {
  /** Returning (or resolving to) `false` declines: the router answers 404 and closes the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): unknown;
}

/**
 * Routes WebSocket upgrades by path so several protocols share one HTTP server and port
 * (ws's "multiple servers sharing a single HTTP server" pattern). Unknown paths get 404.
 * A route ending in `/*` matches that prefix.
 */
export class UpgradeRouter {
  readonly #exact = new Map<string, UpgradeHandler>();
  readonly #prefixes: Array<[string, UpgradeHandler]> = [];

  add(path: string, handler: UpgradeHandler): this {
    if (path.endsWith("/*")) {
      this.#prefixes.push([path.slice(0, -1), handler]);
      this.#prefixes.sort((a, b) => b[0].length - a[0].length);
    } else {
      this.#exact.set(path, handler);
    }
    return this;
  }

  match(pathname: string): UpgradeHandler | undefined {
    return this.#exact.get(pathname) ?? this.#prefixes.find(([p]) => pathname.startsWith(p))?.[1];
  }

  /** The `upgrade` listener; attach with `server.on("upgrade", router.handle)`. */
  readonly handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const pathname = requestPath(req.url);
    const handler = this.match(pathname);
    if (!handler) {
      notFound(socket, pathname);
      return;
    }
    // A handler that declines (returns false, e.g. an unknown sub-path) must not leave the socket
    // open: unanswered upgrades hold a descriptor each until the client gives up.
    Promise.resolve(handler.handleUpgrade(req, socket, head)).then(
      (taken) => {
        if (taken === false) notFound(socket, pathname);
      },
      () => rejectUpgrade(socket, new HttpError(500, { error: "internal error" })),
    );
  };

  /** Listens for upgrades on `server`; returns a function that detaches. */
  attach(server: Server): () => void {
    server.on("upgrade", this.handle);
    return () => server.off("upgrade", this.handle);
  }
}
