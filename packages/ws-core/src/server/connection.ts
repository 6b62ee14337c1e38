import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { CloseCode, limitCloseReason } from "../protocol/close-codes.js";
import type { WireData } from "../protocol/codec.js";
import type { SlowConsumerOptions, SlowConsumerStats } from "./slow-consumer.js";

/** What became of one `send`. */
export type SendResult = "sent" | "queued" | "skipped" | "dropped" | "closed";

/** Data ready for `ws`: a Buffer plus whether it goes out as a binary frame. */
export interface PreparedFrame {
  data: Buffer;
  binary: boolean;
  /** The whole WebSocket frame (header + payload), built once for a broadcast: see `preEncode`. */
  wire?: Buffer[];
}

/** `ws`'s internal sender: `sendFrame()` writes a ready frame (what socket.io's broadcast uses). */
interface WsSender {
  _state?: number;
  sendFrame?(list: Buffer[], cb?: (err?: Error) => void): void;
}

/**
 * Frames the message once so a broadcast writes the same bytes to every socket instead of framing per
 * peer (server frames are unmasked, so they are identical): one buffer, header and payload, one write each.
 */
export function preEncode(frame: PreparedFrame): PreparedFrame {
  if (!frame.wire) {
    // A large payload is not copied behind its header: its own write costs far more than a second chunk.
    frame.wire =
      frame.data.length < MERGE_LIMIT
        ? [frameBytes(frame.data, frame.binary)]
        : [frameBytes(frame.data, frame.binary, false), frame.data];
  }
  return frame;
}

const MERGE_LIMIT = 64 * 1024;
const EMPTY = new Uint8Array(0);

/** Normalises what the caller sends; a string becomes its whole frame at once (see `frameBytes`). */
export function prepareFrame(data: WireData | PreparedFrame): PreparedFrame {
  if (typeof data === "string") {
    const wire = frameBytes(data, false);
    return { data: wire.subarray(headerLength(wire)), binary: false, wire: [wire] };
  }
  if (data instanceof Uint8Array) {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return { data: buf, binary: true };
  }
  return data;
}

/**
 * An unmasked, unfragmented WebSocket frame in one buffer (or only its header, `withPayload` false): a text
 * payload is encoded straight behind the header, so a send is one allocation and one `write` (`ws` would copy
 * the string into a buffer of its own, or hand the socket a header and a string to gather in a `writev`).
 */
function frameBytes(payload: string | Uint8Array, binary: boolean, withPayload = true): Buffer {
  const length = typeof payload === "string" ? Buffer.byteLength(payload, "utf8") : payload.byteLength;
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const wire = Buffer.allocUnsafe(withPayload ? head + length : head);
  wire[0] = binary ? 0x82 : 0x81; // FIN + opcode
  if (head === 2) wire[1] = length;
  else if (head === 4) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeUInt16BE(0, 2);
    wire.writeUIntBE(length, 4, 6);
  }
  if (!withPayload) return wire;
  if (typeof payload === "string") wire.write(payload, head, "utf8");
  else wire.set(payload, head);
  return wire;
}

/** How many bytes of a frame built by `frameBytes` are header: 2, 4 or 10 (the length field's size). */
function headerLength(wire: Buffer): number {
  const l = wire[1] as number;
  return l < 126 ? 2 : l === 126 ? 4 : 10;
}

let nextId = 1;

/**
 * One accepted WebSocket with its request, its auth context, and a send path that applies the
 * endpoint's slow-consumer policy, so a stalled peer never grows server memory without bound.
 */
export class Connection<Ctx = unknown> {
  readonly id = nextId++;
  readonly ws: WebSocket;
  readonly request: IncomingMessage;
  readonly ctx: Ctx;
  /** Per-connection counters of what the slow-consumer policy did. */
  readonly stats: SlowConsumerStats = { skipped: 0, dropped: 0, disconnected: 0 };
  /** Free slot for the protocol layer's own state. */
  data: Record<string, unknown> = {};
  isAlive = true;
  readonly #policy: Required<SlowConsumerOptions>;
  readonly #onSlow: (conn: Connection<Ctx>, what: keyof SlowConsumerStats) => void;
  #backlog: PreparedFrame[] = [];
  #backlogBytes = 0;
  #draining = false;
  /** Pre-encoded frames may go straight to the sender: no compression on this socket, and the hook exists. */
  readonly #sender: WsSender | undefined;
  /** The TCP socket: corked for the rest of a tick on the first write, so a burst leaves in one writev. */
  readonly #socket: { cork(): void; uncork(): void } | undefined;
  #corked = false;
  /** Bytes written while corked in this tick: buffered by us, not by a slow peer. */
  #tickBytes = 0;
  readonly #uncork = () => {
    this.#corked = false;
    this.#tickBytes = 0;
    this.#socket?.uncork();
  };

  constructor(
    ws: WebSocket,
    request: IncomingMessage,
    ctx: Ctx,
    policy: Required<SlowConsumerOptions>,
    onSlow: (conn: Connection<Ctx>, what: keyof SlowConsumerStats) => void,
  ) {
    this.ws = ws;
    this.request = request;
    this.ctx = ctx;
    this.#policy = policy;
    this.#onSlow = onSlow;
    const w = ws as unknown as {
      _sender?: WsSender;
      _extensions?: Record<string, unknown>;
      _socket?: { cork(): void; uncork(): void };
    };
    this.#socket = typeof w._socket?.cork === "function" ? w._socket : undefined;
    this.#sender =
      typeof w._sender?.sendFrame === "function" && !w._extensions?.["permessage-deflate"] ? w._sender : undefined;
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** Bytes the peer has not taken yet: buffered beyond what this tick's corked burst added. */
  get lag(): number {
    return this.ws.bufferedAmount - this.#tickBytes;
  }

  /** Frames held back by the "drop" policy, waiting for the socket to drain. */
  get backlog(): number {
    return this.#backlog.length;
  }

  /** Payload bytes of those frames. */
  get backlogBytes(): number {
    return this.#backlogBytes;
  }

  /** Sends text (string) or binary (bytes) under the slow-consumer policy. */
  send(data: WireData | PreparedFrame): SendResult {
    if (!this.open) return "closed";
    const frame = prepareFrame(data);
    if (this.#backlog.length === 0 && this.lag < this.#policy.highWaterMark) {
      this.#write(frame);
      return "sent";
    }
    switch (this.#policy.policy) {
      case "skip":
        this.#count("skipped");
        return "skipped";
      case "disconnect":
        this.#count("disconnected");
        this.close(CloseCode.PolicyViolation, "slow consumer");
        // The close frame waits behind the backlog; cut the socket if it does not get through soon.
        setTimeout(() => this.ws.terminate(), 1000).unref();
        return "closed";
      default: {
        this.#backlog.push(frame);
        this.#backlogBytes += frame.data.length;
        let result: SendResult = "queued";
        const { maxQueue, maxQueueBytes } = this.#policy;
        // Oldest first; the byte bound never drops the newest message itself.
        while (this.#backlog.length > maxQueue || (this.#backlogBytes > maxQueueBytes && this.#backlog.length > 1)) {
          this.#backlogBytes -= (this.#backlog.shift() as PreparedFrame).data.length;
          this.#count("dropped");
          result = "dropped";
        }
        this.#scheduleDrain();
        return result;
      }
    }
  }

  /**
   * Resolves once the socket has at most `lowWaterMark` bytes buffered and no backlog (or has closed):
   * a producer that must not outrun this peer awaits it between writes.
   */
  whenDrained(lowWaterMark = 0): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.open || (this.#backlog.length === 0 && this.ws.bufferedAmount <= lowWaterMark)) return resolve();
        const socket = (this.ws as unknown as { _socket?: NodeJS.EventEmitter & { writableNeedDrain?: boolean } })
          ._socket;
        if (socket?.writableNeedDrain) socket.once("drain", check);
        else setTimeout(check, 5).unref();
      };
      check();
    });
  }

  /**
   * Calls `cb` once the socket has written every frame sent so far, so the buffers given to those sends may be
   * filled again (a frame written straight to the socket is written from the caller's buffer, uncopied). Returns
   * false, and never calls `cb`, when that cannot be told: compression or a busy sender may still hold the
   * bytes, or the socket is gone. A frame still in the backlog is not covered: its send said "queued".
   */
  afterWrites(cb: (err?: Error | null) => void): boolean {
    const socket = (
      this.ws as unknown as {
        _socket?: { write(c: Uint8Array, cb: (e?: Error | null) => void): boolean; writable?: boolean };
      }
    )._socket;
    if (!this.open || !this.#sender || this.#sender._state !== 0 || socket?.writable !== true) return false;
    // Stream writes complete in order: an empty write behind the frames calls back after them.
    socket.write(EMPTY, cb);
    return true;
  }

  close(code: number = CloseCode.Normal, reason = ""): void {
    this.#backlog = [];
    this.#backlogBytes = 0;
    if (this.ws.readyState === this.ws.CLOSED || this.ws.readyState === this.ws.CLOSING) return;
    this.ws.close(code, limitCloseReason(reason));
  }

  terminate(): void {
    this.#backlog = [];
    this.#backlogBytes = 0;
    this.ws.terminate();
  }

  #write(frame: PreparedFrame): void {
    if (this.#socket && !this.#corked) {
      this.#socket.cork();
      this.#corked = true;
      process.nextTick(this.#uncork);
    }
    this.#tickBytes += frame.data.length;
    // A burst past the mark leaves at once: what the peer does not take then counts as lag, which keeps a
    // stalled peer's memory under 2x highWaterMark + one message.
    const flushNow = this.#tickBytes >= this.#policy.highWaterMark;
    // The sender's state is DEFAULT (0) unless it is compressing or reading a Blob: only then may we bypass it.
    if (frame.wire && this.#sender?._state === 0)
      (this.#sender.sendFrame as NonNullable<WsSender["sendFrame"]>)(frame.wire);
    else this.ws.send(frame.data, { binary: frame.binary });
    if (flushNow) {
      this.#tickBytes = 0;
      this.#socket?.uncork();
      this.#socket?.cork();
    }
  }

  #count(what: keyof SlowConsumerStats): void {
    this.stats[what]++;
    this.#onSlow(this, what);
  }

  #scheduleDrain(): void {
    if (this.#draining) return;
    this.#draining = true;
    const socket = (this.ws as unknown as { _socket?: NodeJS.EventEmitter & { writableNeedDrain?: boolean } })._socket;
    const retry = () => {
      this.#draining = false;
      this.#drain();
    };
    // `ws` exposes no drain event; its TCP socket does, but only after a write it refused. Below the
    // socket's own mark (e.g. a tiny highWaterMark here) poll instead.
    if (socket?.writableNeedDrain) socket.once("drain", retry);
    else setTimeout(retry, 5).unref();
  }

  #drain(): void {
    while (this.#backlog.length > 0 && this.open && this.lag < this.#policy.highWaterMark) {
      const frame = this.#backlog.shift() as PreparedFrame;
      this.#backlogBytes -= frame.data.length;
      this.#write(frame);
    }
    if (this.#backlog.length > 0 && this.open) this.#scheduleDrain();
  }
}
