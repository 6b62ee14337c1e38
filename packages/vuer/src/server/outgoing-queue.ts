import type { WebSocket } from "ws";

export interface OutgoingStats {
  /** Frames handed to the socket. */
  sent: number;
  /** Frames dropped (oldest first) because the queue was full. */
  dropped: number;
  /** Frames waiting now. */
  queued: number;
}

export type EnqueueResult = "sent" | "queued" | "dropped" | "closed";

/**
 * One session's outgoing frames. A frame goes straight to the socket while the socket keeps up (its
 * `bufferedAmount` is under `highWaterMark`); otherwise it waits in a queue of at most `limit` frames where the
 * oldest is dropped first (counted), as upstream's `deque(maxlen=queue_len)`. Written frames' callbacks drive the
 * flush, so nothing polls (upstream's uplink busy-loops a core per session).
 */
export class OutgoingQueue {
  readonly stats: OutgoingStats = { sent: 0, dropped: 0, queued: 0 };
  readonly #ws: WebSocket;
  readonly #limit: number;
  readonly #hwm: number;
  #items: Uint8Array[] = [];
  readonly #onWritten = (err?: Error) => {
    if (!err && this.#items.length > 0) this.#flush();
  };

  constructor(ws: WebSocket, options: { limit: number; highWaterMark: number }) {
    this.#ws = ws;
    this.#limit = Math.max(1, options.limit);
    this.#hwm = options.highWaterMark;
  }

  push(frame: Uint8Array): EnqueueResult {
    if (this.#ws.readyState !== this.#ws.OPEN) return "closed";
    if (this.#items.length === 0 && this.#ws.bufferedAmount < this.#hwm) {
      this.#write(frame);
      return "sent";
    }
    this.#items.push(frame);
    let result: EnqueueResult = "queued";
    if (this.#items.length > this.#limit) {
      this.#items.shift();
      this.stats.dropped++;
      result = "dropped";
    }
    this.stats.queued = this.#items.length;
    return result;
  }

  /** Sends past the queue (RPC requests bypass it, as upstream's `Vuer.rpc` does). */
  sendNow(frame: Uint8Array): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    this.#write(frame);
    return true;
  }

  clear(): void {
    this.#items = [];
    this.stats.queued = 0;
  }

  #write(frame: Uint8Array): void {
    this.stats.sent++;
    this.#ws.send(frame, { binary: true }, this.#onWritten);
  }

  #flush(): void {
    while (this.#items.length > 0 && this.#ws.readyState === this.#ws.OPEN && this.#ws.bufferedAmount < this.#hwm) {
      this.#write(this.#items.shift() as Uint8Array);
    }
    this.stats.queued = this.#items.length;
  }
}
