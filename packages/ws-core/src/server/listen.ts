import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo, Server as NetServer } from "node:net";
import { Server as TlsServer } from "node:tls";

export interface ListenOptions {
  /** Default 127.0.0.1: nothing is exposed beyond this machine unless asked. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
}

export interface Listening<S extends NetServer = Server> {
  server: S;
  host: string;
  port: number;
  /** http://host:port (https for a TLS server) */
  url: string;
  /** ws://host:port (wss for a TLS server) */
  wsUrl: string;
}

/** Starts listening and resolves with the bound address (port 0 becomes the real port). */
/** Works for http and https servers alike (any net.Server); the URLs carry the matching scheme. */
export function listen<S extends NetServer = Server>(server: S, options: ListenOptions = {}): Promise<Listening<S>> {
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", onError);
      const addr = server.address() as AddressInfo;
      const h = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
      const secure = server instanceof TlsServer; // node:https servers are TLS servers
      resolve({
        server,
        host: addr.address,
        port: addr.port,
        url: `${secure ? "https" : "http"}://${h}:${addr.port}`,
        wsUrl: `${secure ? "wss" : "ws"}://${h}:${addr.port}`,
      });
    });
  });
}

/** An HTTP server answering plain requests with `handler` (404 JSON by default). */
export function createHttpServer(handler?: RequestListener): Server {
  const server = createServer(
    handler ??
      ((_req, res) => {
        res.writeHead(404, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: "not found" }));
      }),
  );
  // Keep-alive sockets would hold `close()` open; cut idle ones when closing.
  return server;
}

/**
 * Closes the HTTP server and drops keep-alive sockets as they go idle (also those whose response ends
 * during shutdown), so `close` resolves promptly; after `forceAfterMs` every socket is cut.
 */
export function closeHttpServer(
  server: NetServer & { closeIdleConnections?(): void; closeAllConnections?(): void },
  forceAfterMs = 1000,
): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const idle = setInterval(() => server.closeIdleConnections?.(), 25);
    const force = setTimeout(() => server.closeAllConnections?.(), forceAfterMs);
    idle.unref();
    force.unref();
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections?.();
  });
}
