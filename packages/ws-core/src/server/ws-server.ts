import type { RequestListener, Server } from "node:http";
import type { CloseOptions, WsEndpoint } from "./endpoint.js";
import { closeHttpServer, createHttpServer, type ListenOptions, type Listening, listen } from "./listen.js";
import { type UpgradeHandler, UpgradeRouter } from "./router.js";

export interface WsServerOptions extends ListenOptions {
  /** Path -> endpoint (or any upgrade handler). */
  routes: Record<string, UpgradeHandler>;
  /** Plain HTTP requests (REST, static files); 404 JSON by default. */
  onRequest?: RequestListener;
}

export interface WsServer extends Listening {
  router: UpgradeRouter;
  /** Graceful shutdown of every endpoint, then the HTTP server. */
  close(options?: CloseOptions): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function isEndpoint(h: UpgradeHandler): h is WsEndpoint<unknown> {
  return typeof (h as { close?: unknown }).close === "function" && "connections" in h;
}

/** One HTTP server on one port hosting several WebSocket endpoints by path. */
export async function startWsServer(options: WsServerOptions): Promise<WsServer> {
  const server: Server = createHttpServer(options.onRequest);
  const router = new UpgradeRouter();
  for (const [path, h] of Object.entries(options.routes)) router.add(path, h);
  router.attach(server);
  const l = await listen(server, options);
  const close = async (closeOptions?: CloseOptions) => {
    const endpoints = Object.values(options.routes).filter(isEndpoint);
    const httpClosed = closeHttpServer(server);
    await Promise.all(endpoints.map((e) => e.close(closeOptions)));
    await httpClosed;
  };
  return { ...l, router, close, [Symbol.asyncDispose]: () => close() };
}
