import {
  type BackoffOptions,
  Emitter,
  ReconnectingSocket,
  type SocketStatus,
  type WebSocketConstructor,
  wireToText,
} from "@proj/ws-core";
import type { BridgeCommand } from "../protocol/commands.js";
import { CLIENT_PING_INTERVAL_MS, DEFAULT_SERVER_WS_URL } from "../protocol/constants.js";
import { CommandValidationError } from "../protocol/errors.js";
import {
  type CommandResponseMessage,
  type ConnectedMessage,
  failureResponse,
  parseServerFrame,
  pingMessage,
  pongMessage,
  successResponse,
} from "../protocol/messages.js";
import { nowSeconds } from "../protocol/time.js";
import { parseCommand } from "../protocol/validate.js";
import type { CommandExecutor } from "./executor.js";
import { RecentIds } from "./recent-ids.js";
import { KeyedSerialQueue } from "./serial-queue.js";

export interface BridgeAgentOptions {
  executor: CommandExecutor;
  /** Server WebSocket URL. Default ws://127.0.0.1:8766. */
  url?: string;
  /** Appended as ?token= (browsers cannot set upgrade headers). */
  token?: string;
  /** WebSocket constructor: the global one by default; `NodeWebSocket` from @proj/ws-core/node in Node 20. */
  WebSocket?: WebSocketConstructor;
  /** Application ping period (keeps MV3 service workers alive). Default 20000 ms. */
  pingIntervalMs?: number;
  /** No traffic this long after a ping means the link is dead: reconnect. Default 10000 ms. */
  pingTimeoutMs?: number;
  /** Reconnect backoff. Default 1 s doubling to 30 s with jitter; never gives up. */
  backoff?: BackoffOptions;
  /** How many past command ids to remember for duplicate detection. Default 1000. */
  rememberIds?: number;
}

type AgentEvents = {
  status: SocketStatus;
  connected: ConnectedMessage;
  command: BridgeCommand | Record<string, unknown>;
  response: CommandResponseMessage;
  serverError: string;
};

/** Tab management that changes which tab is "current": later commands wait for it. */
const isBarrier = (c: BridgeCommand) => c.type === "tab" && c.action !== "list";

/**
 * The extension side of the protocol, shared by the MV3 extension and the Node executor:
 * connects (and reconnects) to the server, answers pings, pings every 20 s, refuses duplicate
 * command ids, runs commands through a `CommandExecutor` serialised per tab, and replies with
 * `command_response`s.
 */
export class BridgeAgent {
  readonly socket: ReconnectingSocket;
  readonly #executor: CommandExecutor;
  readonly #events = new Emitter<AgentEvents>();
  readonly #seen: RecentIds;
  readonly #queue = new KeyedSerialQueue();
  #order: Promise<unknown> = Promise.resolve();
  #connectionId: string | undefined;

  constructor(options: BridgeAgentOptions) {
    this.#executor = options.executor;
    this.#seen = new RecentIds(options.rememberIds ?? 1000);
    const url = new URL(options.url ?? DEFAULT_SERVER_WS_URL);
    if (options.token) url.searchParams.set("token", options.token);
    this.socket = new ReconnectingSocket({
      url: url.toString(),
      ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      backoff: options.backoff ?? { minDelayMs: 1000, maxDelayMs: 30_000, factor: 2, jitter: 0.3 },
      queue: false,
      // Never give up (PROTOCOL.md): not on close codes, nor on a refused handshake (a token fixed
      // later, a server restarting behind a proxy that answers 404 meanwhile).
      fatalCloseCodes: [],
      fatalHandshakeStatuses: [],
      ping: {
        intervalMs: options.pingIntervalMs ?? CLIENT_PING_INTERVAL_MS,
        timeoutMs: options.pingTimeoutMs ?? 10_000,
        message: () => JSON.stringify(pingMessage()),
      },
      autoConnect: false,
    });
    this.socket.on("status", (s) => this.#events.emit("status", s));
    this.socket.on("message", (data) => this.#receive(wireToText(data)));
    this.#executor.onEvent?.((event, data) => {
      if (this.socket.status === "open") this.#send({ type: "event", event, data, timestamp: nowSeconds() });
    });
  }

  get status(): SocketStatus {
    return this.socket.status;
  }

  /** The id the server gave this connection (for `?extension=` routing). */
  get connectionId(): string | undefined {
    return this.#connectionId;
  }

  on<K extends keyof AgentEvents>(event: K, listener: (payload: AgentEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  start(): this {
    this.socket.connect();
    return this;
  }

  /** Resolves once connected (and welcomed). */
  async ready(signal?: AbortSignal): Promise<void> {
    await this.socket.opened(signal);
  }

  async stop(): Promise<void> {
    await this.socket.close(1000, "Client disconnected");
  }

  #send(message: object): void {
    try {
      this.socket.send(JSON.stringify(message));
    } catch {
      // Not connected: the server already failed this command when the connection dropped.
    }
  }

  #receive(text: string): void {
    const m = parseServerFrame(text);
    switch (m.kind) {
      case "connected":
        this.#connectionId = m.message.connection_id;
        this.#events.emit("connected", m.message);
        return;
      case "ping":
        this.#send(pongMessage());
        return;
      case "command":
        this.#events.emit("command", m.command);
        this.#accept(m.command);
        return;
      case "error":
        this.#events.emit("serverError", m.error);
        return;
      default:
        return;
    }
  }

  #accept(raw: Record<string, unknown>): void {
    const id = typeof raw.command_id === "string" && raw.command_id ? raw.command_id : undefined;
    if (!id) return; // nobody could receive the answer
    if (!this.#seen.add(id)) {
      this.#reply(failureResponse(id, `Duplicate command_id: ${id}`));
      return;
    }
    let command: BridgeCommand;
    try {
      command = parseCommand(raw);
    } catch (err) {
      this.#reply(failureResponse(id, err instanceof CommandValidationError ? err.message : String(err)));
      return;
    }
    // Resolve each command's queue in arrival order; tab switches/opens/closes finish first.
    this.#order = this.#order.then(async () => {
      let key = "all";
      try {
        const k = this.#executor.queueKey?.(command);
        key = (typeof k === "string" ? k : await k) ?? "all";
      } catch {
        // The executor reports the same problem when it runs the command.
      }
      const done = this.#queue.run(key, () => this.#execute(id, command));
      if (isBarrier(command)) await done;
    });
  }

  async #execute(id: string, command: BridgeCommand): Promise<void> {
    try {
      const r = await this.#executor.execute(command);
      this.#reply(successResponse(id, r.message, r.data));
      if (command.type === "screenshot") {
        // The documented notification (OpenBrowser's `event` message).
        this.#send({
          type: "event",
          event: "screenshot_captured",
          data: { tab_id: r.data.tab_id, timestamp: nowSeconds() },
          timestamp: nowSeconds(),
        });
      }
    } catch (err) {
      this.#reply(failureResponse(id, err instanceof Error ? err.message : String(err)));
    }
  }

  #reply(r: CommandResponseMessage): void {
    this.#events.emit("response", r);
    this.#send(r);
  }
}
