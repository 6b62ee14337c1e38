import { QueueOverflowError } from "../errors.js";
import { byteLength, type WireData } from "../protocol/codec.js";

export interface SendQueueOptions {
  /** Most messages held while disconnected. */
  maxMessages?: number;
  /** Most bytes held while disconnected. */
  maxBytes?: number;
}

export const sendQueueDefaults: Required<SendQueueOptions> = { maxMessages: 1000, maxBytes: 1024 * 1024 };

/** Messages sent while disconnected, flushed in order on open. Overflow is refused, never silently dropped. */
export class SendQueue {
  #items: WireData[] = [];
  #bytes = 0;
  readonly maxMessages: number;
  readonly maxBytes: number;

  constructor(options: SendQueueOptions = {}) {
    this.maxMessages = options.maxMessages ?? sendQueueDefaults.maxMessages;
    this.maxBytes = options.maxBytes ?? sendQueueDefaults.maxBytes;
  }

  push(data: WireData): void {
    const n = byteLength(data);
    if (this.#items.length + 1 > this.maxMessages) {
      throw new QueueOverflowError("messages", `send queue full (${this.maxMessages} messages)`);
    }
    if (this.#bytes + n > this.maxBytes) {
      throw new QueueOverflowError("bytes", `send queue full (${this.#bytes + n} > ${this.maxBytes} bytes)`);
    }
    this.#items.push(data);
    this.#bytes += n;
  }

  /** Takes everything out, oldest first. */
  drain(): WireData[] {
    const out = this.#items;
    this.#items = [];
    this.#bytes = 0;
    return out;
  }

  clear(): number {
    const n = this.#items.length;
    this.drain();
    return n;
  }

  get length(): number {
    return this.#items.length;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
