import { Emitter, eventIterator, ReconnectingSocket, type SocketStatus } from "@proj/ws-core";
import type { EventType, JsonServerMessage, SyncEvent, WshEvent } from "../protocol/events.js";
import type { Format } from "../protocol/screen.js";
import type { SubscribeMessage } from "../protocol/subscribe.js";
import type { WshSocketOptions } from "./options.js";
import { ScreenModel } from "./screen-model.js";
import { wsUrl } from "./urls.js";

/** The server refused a subscribe message (`{"code":"invalid_subscribe"}`); the socket stays usable. */
export class WshSubscribeError extends Error {
  override name = "WshSubscribeError";
  readonly code = "invalid_subscribe";
}

export interface WshJsonClientOptions extends WshSocketOptions {
  /** Default `["lines", "cursor", "mode"]`. */
  events?: EventType[];
  intervalMs?: number;
  format?: Format;
}

type JsonEvents = {
  /** Every terminal or input event, after the model applied it. */
  event: WshEvent;
  sync: SyncEvent;
  /** The screen model changed. */
  change: ScreenModel;
  subscribed: EventType[] | true;
  error: Error;
  status: SocketStatus;
};

/**
 * `/ws/json` with a local screen model: subscribes on every open (so a reconnect re-subscribes
 * and rebuilds from the fresh `sync`), applies events to `model`, and exposes them
 * as typed events and an async iterator.
 */
export class WshJsonClient {
  readonly socket: ReconnectingSocket;
  readonly model = new ScreenModel();
  readonly #events = new Emitter<JsonEvents>();
  #subscription: SubscribeMessage;

  constructor(o: WshJsonClientOptions) {
    this.#subscription = {
      events: o.events ?? ["lines", "cursor", "mode"],
      ...(o.intervalMs !== undefined ? { interval_ms: o.intervalMs } : {}),
      ...(o.format ? { format: o.format } : {}),
    };
    const userOnOpen = o.socket?.onOpen;
    this.socket = new ReconnectingSocket({
      ...o.socket,
      // Every (re)connect subscribes first, ahead of anything else: the server answers with the
      // ack and a fresh sync, which rebuilds the model.
      onOpen: (send) => {
        send(JSON.stringify(this.#subscription));
        userOnOpen?.(send);
      },
      url: () => wsUrl(o.url, "/ws/json", o.token),
      ...(o.WebSocket ? { WebSocket: o.WebSocket } : {}),
    });
    this.socket.on("message", (m) => this.#onMessage(m));
    this.socket.on("status", (s) => {
      if (s !== "open") this.model.stale = true;
      this.#events.emit("status", s);
    });
    this.socket.on("error", (e) => this.#events.emit("error", e));
  }

  on<K extends keyof JsonEvents>(event: K, listener: (payload: JsonEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }
  once<K extends keyof JsonEvents>(event: K, listener: (payload: JsonEvents[K]) => void): () => void {
    return this.#events.once(event, listener);
  }

  get status(): SocketStatus {
    return this.socket.status;
  }
  get subscription(): SubscribeMessage {
    return this.#subscription;
  }

  /** Replaces the subscription (now and after reconnects); resolves with the server's fresh `sync`. */
  subscribe(sub: SubscribeMessage): Promise<SyncEvent> {
    this.#subscription = sub;
    const next = this.nextSync();
    if (this.socket.status === "open") this.socket.send(JSON.stringify(sub));
    return next;
  }

  /** The next `sync` (after a subscribe, a reset, a reconnect, or lag recovery). */
  nextSync(signal?: AbortSignal): Promise<SyncEvent> {
    return new Promise((resolve, reject) => {
      const off = this.on("sync", (s) => {
        off();
        offStatus();
        resolve(s);
      });
      const offStatus = this.on("status", (s) => {
        if (s !== "closed") return;
        off();
        offStatus();
        reject(this.socket.lastError ?? new Error("client closed"));
      });
      signal?.addEventListener("abort", () => {
        off();
        offStatus();
        reject(signal.reason);
      });
    });
  }

  /** Events as an async iterator (bounded buffer); ends when the client closes. */
  events(signal?: AbortSignal): AsyncIterableIterator<WshEvent> {
    return eventIterator<WshEvent>({
      subscribe: (push) => this.on("event", push),
      onEnd: (end) => this.on("status", (s) => s === "closed" && end()),
      ended: this.status === "closed",
      ...(signal ? { signal } : {}),
    });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WshEvent> {
    return this.events();
  }

  opened(signal?: AbortSignal): Promise<void> {
    return this.socket.opened(signal);
  }

  async close(): Promise<void> {
    await this.socket.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #onMessage(raw: string | Uint8Array): void {
    let m: JsonServerMessage;
    try {
      m = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
    } catch {
      return; // upstream's client ignores frames that are not JSON
    }
    if (typeof m !== "object" || m === null) return;
    if ("connected" in m) return; // the subscribe already went out on open
    if ("subscribed" in m) {
      this.#events.emit("subscribed", m.subscribed);
      return;
    }
    if ("error" in m && "code" in m) {
      this.#events.emit("error", new WshSubscribeError(m.error));
      return;
    }
    if (!("event" in m)) return;
    const changed = this.model.apply(m);
    this.#events.emit("event", m);
    if (m.event === "sync") this.#events.emit("sync", m);
    if (changed) this.#events.emit("change", this.model);
  }
}
