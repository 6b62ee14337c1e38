/**
 * The part of the WHATWG WebSocket that the client uses. Browsers' WebSocket and Node's `ws`
 * both satisfy it, so the client never imports `ws` itself.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly protocol: string;
  binaryType: string;
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((ev: any) => void) | null;
}

/** `new WebSocket(url, protocols)`; Node's `ws` also takes a third options argument (headers, TLS). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: any) => WebSocketLike;

export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

export function defaultWebSocket(): WebSocketConstructor {
  const ctor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!ctor) {
    throw new TypeError(
      'No WebSocket implementation found. In Node 20 pass one: `import { WebSocket } from "@proj/ws-core/node"` ' +
        "and give it as the `WebSocket` option.",
    );
  }
  return ctor;
}
