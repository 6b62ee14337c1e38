import type { WebSocketConstructor } from "@proj/ws-core";

/**
 * The runtime's own WebSocket, called without a `protocols` argument when there is none. Chromium turns an
 * explicit `undefined` into a requested subprotocol named "undefined"; servers that then pick no subprotocol
 * (upstream's aiohttp server) answer without one and Chromium fails the handshake. Undefined where the runtime
 * has no WebSocket (Node 20: the caller passes one).
 */
export function nativeWebSocket(): WebSocketConstructor | undefined {
  const Native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Native) return undefined;
  // Called with `new`: the object returned replaces `this`.
  return function WebSocket(url: string, protocols?: string | string[]) {
    return protocols === undefined ? new Native(url) : new Native(url, protocols);
  } as unknown as WebSocketConstructor;
}
