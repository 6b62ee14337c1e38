import { Emitter, eventIterator, ReconnectingSocket, type SocketStatus } from "@proj/ws-core";
import type { WshSocketOptions } from "./options.js";
import { wsUrl } from "./urls.js";

type RawEvents = { data: Uint8Array; status: SocketStatus };

/**
 * `/ws/raw`: the terminal's bytes out, keystrokes in, reconnecting on its own. After each
 * (re)connect the server first sends a repaint of the current screen, so a terminal widget fed
 * with `data` shows the right state even after missing output.
 */
export class WshRawClient {
  readonly socket: ReconnectingSocket;
  readonly #events = new Emitter<RawEvents>();
  readonly #encoder = new TextEncoder();

  constructor(o: WshSocketOptions) {
    this.socket = new ReconnectingSocket({
      ...o.socket,
      url: () => wsUrl(o.url, "/ws/raw", o.token),
      ...(o.WebSocket ? { WebSocket: o.WebSocket } : {}),
    });
    this.socket.on("message", (m) => this.#events.emit("data", typeof m === "string" ? this.#encoder.encode(m) : m));
    this.socket.on("status", (s) => this.#events.emit("status", s));
  }

  on<K extends keyof RawEvents>(event: K, listener: (payload: RawEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  get status(): SocketStatus {
    return this.socket.status;
  }

  /** Input for the PTY: strings go as text frames, bytes as binary frames (queued while reconnecting). */
  write(data: string | Uint8Array): void {
    this.socket.send(data);
  }

  opened(signal?: AbortSignal): Promise<void> {
    return this.socket.opened(signal);
  }

  /** Output chunks as an async iterator (bounded buffer); ends when the client closes. */
  data(signal?: AbortSignal): AsyncIterableIterator<Uint8Array> {
    return eventIterator<Uint8Array>({
      subscribe: (push) => this.on("data", push),
      onEnd: (end) => this.socket.on("status", (s) => s === "closed" && end()),
      ended: this.status === "closed",
      ...(signal ? { signal } : {}),
    });
  }

  async close(): Promise<void> {
    await this.socket.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
