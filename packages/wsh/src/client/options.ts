import type { ReconnectingSocketOptions, WebSocketConstructor } from "@proj/ws-core";

export interface WshSocketOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080` (plus a mount prefix if any). */
  url: string;
  /** Sent as `?token=` (browsers cannot put headers on an upgrade). */
  token?: string;
  /** Default `globalThis.WebSocket`; in Node 20 pass `NodeWebSocket` from `@proj/ws-core/node`. */
  WebSocket?: WebSocketConstructor;
  /** Anything else for the underlying ReconnectingSocket (backoff, maxRetries, signal, ...). */
  socket?: Omit<Partial<ReconnectingSocketOptions>, "url" | "WebSocket">;
}
