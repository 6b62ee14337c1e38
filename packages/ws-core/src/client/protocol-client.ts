import type { z } from "zod";
import { ConnectionClosedError, type ProtocolError } from "../errors.js";
import type { ProtocolDefinition } from "../protocol/define.js";
import { parseMessage, validate } from "../protocol/define.js";
import { Emitter } from "../util/emitter.js";
import { eventIterator } from "../util/event-iterator.js";
import { ReconnectingSocket, type ReconnectingSocketOptions, type SocketStatus } from "./reconnecting-socket.js";
import { RequestManager, type RequestId, type RequestOptions } from "./request-manager.js";

export interface Correlation<TOut, TIn> {
  /** The id an outgoing request carries. */
  requestId(message: TOut): RequestId | undefined;
  /** The id an incoming message answers, if it is a response. */
  responseId(message: TIn): RequestId | undefined;
}

export interface ProtocolClientOptions<TOut, TIn> extends ReconnectingSocketOptions {
  /** Validate outgoing messages against the client schema before sending. Default true. */
  validateOutgoing?: boolean;
  correlation?: Correlation<TOut, TIn>;
}

type Events<TIn> = {
  message: TIn;
  /** An incoming frame that failed decoding or validation: reported, never thrown. */
  invalid: ProtocolError;
  status: SocketStatus;
  /**
   * A connection problem (refused handshake, network error, a throwing `url` factory, a ping timeout):
   * the same errors the socket's `error` event carries. Whether the client retries shows in `status`.
   */
  error: Error;
};

/**
 * A typed client for one protocol: encodes and validates outgoing messages, decodes and validates
 * incoming ones, correlates requests with responses, and rejects pending requests on every close.
 */
export class ProtocolClient<P extends ProtocolDefinition<z.ZodType, z.ZodType>> {
  readonly socket: ReconnectingSocket;
  readonly requests = new RequestManager<z.infer<P["serverMessages"]>>();
  readonly #p: P;
  readonly #o: ProtocolClientOptions<z.infer<P["clientMessages"]>, z.infer<P["serverMessages"]>>;
  readonly #events = new Emitter<Events<z.infer<P["serverMessages"]>>>();

  constructor(protocol: P, options: ProtocolClientOptions<z.infer<P["clientMessages"]>, z.infer<P["serverMessages"]>>) {
    this.#p = protocol;
    this.#o = options;
    this.socket = new ReconnectingSocket({ ...options, autoConnect: false });
    this.socket.on("message", (data) => this.#receive(data));
    this.socket.on("status", (s) => this.#events.emit("status", s));
    this.socket.on("error", (err) => this.#events.emit("error", err));
    this.socket.on("close", (info) => {
      const cause = this.socket.lastError;
      this.requests.failAll(
        new ConnectionClosedError(
          `connection closed (${info.code})${cause ? `: ${cause.message}` : ""}`,
          info.code,
          info.reason,
          cause ? { cause } : undefined,
        ),
      );
    });
    if (options.autoConnect !== false) this.socket.connect();
  }

  get status(): SocketStatus {
    return this.socket.status;
  }

  on<K extends keyof Events<z.infer<P["serverMessages"]>>>(
    event: K,
    listener: (payload: Events<z.infer<P["serverMessages"]>>[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  send(message: z.infer<P["clientMessages"]>): void {
    const m =
      this.#o.validateOutgoing === false ? message : validate(this.#p.clientMessages, message, "outgoing message");
    this.socket.send(this.#p.codec.encode(m));
  }

  /** Sends a request and resolves with the response whose id matches (see `correlation`). */
  request(message: z.infer<P["clientMessages"]>, options?: RequestOptions): Promise<z.infer<P["serverMessages"]>> {
    const c = this.#o.correlation;
    const id = c?.requestId(message);
    if (!c || id === undefined) return Promise.reject(new TypeError("request() needs `correlation` and an id"));
    const pending = this.requests.register(id, options);
    try {
      this.send(message);
    } catch (err) {
      this.requests.fail(id, err);
    }
    return pending;
  }

  /** Typed incoming messages as an async iterator; ends when the client closes. */
  messages(signal?: AbortSignal): AsyncIterableIterator<z.infer<P["serverMessages"]>> {
    return eventIterator<z.infer<P["serverMessages"]>>({
      subscribe: (push) => this.on("message", push),
      onEnd: (end) => this.on("status", (s) => s === "closed" && end()),
      ended: this.status === "closed",
      ...(signal ? { signal } : {}),
    });
  }

  opened(signal?: AbortSignal): Promise<void> {
    return this.socket.opened(signal);
  }

  close(code?: number, reason?: string) {
    return this.socket.close(code, reason);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #receive(data: Parameters<typeof parseMessage>[2]): void {
    let msg: z.infer<P["serverMessages"]>;
    try {
      msg = parseMessage(this.#p.serverMessages, this.#p.codec, data) as z.infer<P["serverMessages"]>;
    } catch (err) {
      this.#events.emit("invalid", err as ProtocolError);
      return;
    }
    const id = this.#o.correlation?.responseId(msg);
    if (id !== undefined) this.requests.settle(id, msg);
    this.#events.emit("message", msg);
  }
}
