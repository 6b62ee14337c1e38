import type { WebSocketConstructor, WebSocketLike } from "../client/websocket-like.js";
import type { WireData } from "../protocol/codec.js";

/** One end of an in-memory socket pair: WebSocket-like, for protocol logic without real sockets. */
export class MemorySocket implements WebSocketLike {
  readyState = 1;
  bufferedAmount = 0;
  protocol = "";
  binaryType = "arraybuffer";
  onopen: ((ev: any) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string; wasClean?: boolean }) => void) | null = null;
  onerror: ((ev: any) => void) | null = null;
  peer: MemorySocket | undefined;
  /** Everything this end sent, in order. */
  readonly sent: WireData[] = [];

  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void {
    if (this.readyState !== 1) throw new Error("socket is not open");
    const d: WireData =
      typeof data === "string"
        ? data
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
          : new Uint8Array(data as ArrayBuffer);
    this.sent.push(d);
    const peer = this.peer;
    // Deliver asynchronously, in order, as a real socket would.
    queueMicrotask(() => {
      if (peer && peer.readyState === 1) peer.onmessage?.({ data: typeof d === "string" ? d : d.slice().buffer });
    });
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    const peer = this.peer;
    queueMicrotask(() => {
      this.onclose?.({ code, reason, wasClean: true });
      if (peer && peer.readyState < 2) {
        peer.readyState = 3;
        peer.onclose?.({ code, reason, wasClean: true });
      }
    });
  }
}

/** Two connected in-memory sockets. */
export function createMemorySocketPair(): [MemorySocket, MemorySocket] {
  const a = new MemorySocket();
  const b = new MemorySocket();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * A WebSocket constructor whose every instance is connected to a fresh server-side MemorySocket
 * handed to `onConnection`: drive the ws-core client (reconnects included) with no network.
 */
export function createMemoryTransport(onConnection: (server: MemorySocket, url: string) => void): WebSocketConstructor {
  return class MemoryClientSocket extends MemorySocket {
    constructor(url: string) {
      super();
      const server = new MemorySocket();
      this.readyState = 0;
      this.peer = server;
      server.peer = this;
      queueMicrotask(() => {
        onConnection(server, url);
        if (this.readyState !== 0) return;
        this.readyState = 1;
        this.onopen?.({});
      });
    }
  } as unknown as WebSocketConstructor;
}
