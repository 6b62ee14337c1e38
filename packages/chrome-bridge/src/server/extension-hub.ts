import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Connection, WsEndpoint } from "@proj/ws-core/server";
import type { BridgeCommand } from "../protocol/commands.js";
import { CLOSE_REASON_PING_TIMEOUT } from "../protocol/constants.js";
import {
  type CommandResponseMessage,
  commandMessage,
  connectedMessage,
  ENVELOPE_REJECTED,
  type EventMessage,
  errorMessage,
  failureResponse,
  parseExtensionFrame,
  pingMessage,
  pongMessage,
} from "../protocol/messages.js";
import type { ConnectionInfo } from "../protocol/rest.js";
import { nowSeconds } from "../protocol/time.js";
import { Heartbeat } from "./heartbeat.js";
import { commandTimeout, duplicateCommand, extensionDisconnected, noExtension, tooManyPending } from "./hub-errors.js";
import type { ResolvedOptions } from "./options.js";

/** Beyond a command's own timeout, before the server gives up on the executor's answer. */
const COMMAND_TIMEOUT_MARGIN_MS = 5000;

/** Per-connection protocol state. */
interface Extension {
  id: string;
  conn: Connection<undefined>;
  connectedAt: number;
  /** Origin and peer address, as the connection log prints them. */
  peer: string;
  heartbeat: Heartbeat | undefined;
  bare: boolean;
  /** Commands sent as envelopes and not answered yet, oldest first (for the bare fallback). */
  unanswered: Array<BridgeCommand & { command_id: string }>;
}

interface Pending {
  ext: Extension;
  resolve: (r: CommandResponseMessage) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

type HubEvents = {
  connect: [ConnectionInfo];
  disconnect: [ConnectionInfo, number, string];
  event: [EventMessage, string];
};

export interface DispatchOptions {
  /** Send to this connection instead of the default one. */
  extensionId?: string;
  timeoutMs?: number;
}

/**
 * Tracks extension connections and routes each command to exactly one of them (the default one, or the
 * one named), then hands the matching `command_response` back to the caller waiting for it.
 *
 * The default executor is never replaced silently: a newcomer becomes the default only when there is
 * none, or, when the server has a token, because it presented it. Without a token, whoever connected
 * first keeps the user's keystrokes until it disconnects; the next in line (oldest still open) then
 * takes over. Every connect and disconnect is reported through `options.log`.
 */
export class ExtensionHub extends EventEmitter<HubEvents> {
  readonly #o: ResolvedOptions;
  /** Insertion order = connection order. */
  readonly #extensions = new Map<string, Extension>();
  readonly #pending = new Map<string, Pending>();
  /** The target of commands that name no connection. */
  #default: Extension | undefined;
  #closing = false;

  constructor(endpoint: WsEndpoint<undefined>, options: ResolvedOptions) {
    super();
    this.#o = options;
    endpoint.on("connection", (conn) => this.#accept(conn));
    endpoint.on("disconnect", (conn, code, reason) => this.#drop(conn, code, reason));
  }

  get size(): number {
    return this.#extensions.size;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  connections(): ConnectionInfo[] {
    return [...this.#extensions.values()].map((e) => this.#info(e, e === this.#default));
  }

  /** Sends `command` to one extension and resolves with its response; rejects with a `BridgeError`. */
  dispatch(command: BridgeCommand, options: DispatchOptions = {}): Promise<CommandResponseMessage> {
    const ext = options.extensionId ? this.#extensions.get(options.extensionId) : this.#default;
    if (!ext || this.#closing) return Promise.reject(noExtension(options.extensionId));
    const id = command.command_id ?? `cmd-${randomUUID()}`;
    if (this.#pending.has(id)) return Promise.reject(duplicateCommand(id));
    if (this.#pending.size >= this.#o.maxPendingCommands)
      return Promise.reject(tooManyPending(this.#o.maxPendingCommands));
    // The REST handler has already assigned the id: no copy of the command then.
    const wire =
      command.command_id === id ? (command as BridgeCommand & { command_id: string }) : { ...command, command_id: id };
    // A command with its own timeout (navigate, wait_for, evaluate: seconds) gets that long and a margin, so
    // its own error answers rather than a 504.
    const own = (command as { timeout?: unknown }).timeout;
    const timeoutMs =
      options.timeoutMs ??
      Math.max(this.#o.commandTimeoutMs, typeof own === "number" ? own * 1000 + COMMAND_TIMEOUT_MARGIN_MS : 0);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(id, commandTimeout(timeoutMs)), timeoutMs);
      this.#pending.set(id, { ext, resolve, reject, timer });
      if (this.#send(ext, wire) === "closed") this.#settle(id, extensionDisconnected());
    });
  }

  /** Stops heartbeats and fails everything pending (the endpoint closes the sockets). */
  shutdown(): void {
    this.#closing = true;
    for (const e of this.#extensions.values()) e.heartbeat?.stop();
    for (const id of [...this.#pending.keys()]) this.#settle(id, extensionDisconnected());
  }

  #send(ext: Extension, command: BridgeCommand & { command_id: string }) {
    if (ext.bare) return ext.conn.send(JSON.stringify(command));
    ext.unanswered.push(command);
    if (ext.unanswered.length > this.#o.maxPendingCommands) ext.unanswered.shift();
    return ext.conn.send(JSON.stringify(commandMessage(command)));
  }

  #settle(id: string, outcome: CommandResponseMessage | Error): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    const i = p.ext.unanswered.findIndex((c) => c.command_id === id);
    if (i >= 0) p.ext.unanswered.splice(i, 1);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  #info(e: Extension, isDefault: boolean): ConnectionInfo {
    return {
      id: e.id,
      connected_at: e.connectedAt,
      origin: (e.conn.request.headers.origin as string | undefined) ?? null,
      default: isDefault,
    };
  }

  #accept(conn: Connection<undefined>): void {
    const id = String(conn.id);
    const ext: Extension = {
      id,
      conn,
      connectedAt: nowSeconds(),
      peer: describePeer(conn),
      heartbeat: undefined,
      bare:
        this.#o.commandFormat === "bare" ||
        new URL(conn.request.url ?? "/", "http://x").searchParams.get("format") === "bare",
      unanswered: [],
    };
    this.#extensions.set(id, ext);
    const previous = this.#default;
    // With a token every connection has proved it is trusted, so the newest wins (an extension whose
    // service worker restarted takes over at once); without one, nobody replaces a connected default.
    if (!previous || this.#o.token !== undefined) this.#default = ext;
    const hb = this.#o.heartbeat;
    if (hb) {
      ext.heartbeat = new Heartbeat(
        hb,
        () => {
          conn.send(JSON.stringify(pingMessage()));
          try {
            conn.ws.ping();
          } catch {
            // Socket already closing; the close event cleans up.
          }
        },
        () => {
          conn.close(1011, CLOSE_REASON_PING_TIMEOUT);
          setTimeout(() => conn.terminate(), 1000).unref();
        },
      );
      ext.heartbeat.start();
    }
    conn.ws.on("pong", () => ext.heartbeat?.seen());
    conn.ws.on("message", (data, isBinary) => {
      ext.heartbeat?.seen();
      if (isBinary) {
        conn.send(JSON.stringify(errorMessage("Binary frames are not supported")));
        return;
      }
      this.#receive(ext, data.toString());
    });
    conn.send(JSON.stringify(connectedMessage(id)));
    const role =
      this.#default !== ext
        ? `NOT the default: commands keep going to executor ${previous?.id}; this one gets only commands naming ?extension=${id}`
        : previous
          ? `now the default (token presented; executor ${previous.id} is no longer)`
          : "now the default";
    this.#o.log(`executor ${id} connected, ${ext.peer}: ${role}`);
    this.emit("connect", this.#info(ext, this.#default === ext));
  }

  #receive(ext: Extension, text: string): void {
    const m = parseExtensionFrame(text);
    switch (m.kind) {
      case "ping":
        ext.conn.send(JSON.stringify(pongMessage()));
        return;
      case "pong":
        return;
      case "event":
        this.emit("event", m.event, ext.id);
        return;
      case "response": {
        const p = this.#pending.get(m.response.command_id);
        // Only the connection that got the command may answer it.
        if (p && p.ext === ext) this.#settle(m.response.command_id, m.response);
        return;
      }
      case "envelope_rejected": {
        // The upstream extension answers envelopes in order, so a rejection is the oldest one's.
        const cmd = ext.unanswered.shift();
        if (!cmd || !this.#pending.has(cmd.command_id)) return;
        if (this.#o.commandFormat === "envelope") {
          this.#settle(cmd.command_id, failureResponse(cmd.command_id, ENVELOPE_REJECTED));
          return;
        }
        // "auto": from now on this connection gets bare commands; the rejected one is sent again, bare.
        if (!ext.bare) this.#o.log(`executor ${ext.id} wants bare commands (upstream's wire): switched`);
        ext.bare = true;
        ext.conn.send(JSON.stringify(cmd));
        return;
      }
      case "invalid":
        ext.conn.send(JSON.stringify(errorMessage(m.error)));
        return;
    }
  }

  #drop(conn: Connection<undefined>, code: number, reason: string): void {
    const ext = this.#extensions.get(String(conn.id));
    if (!ext) return;
    ext.heartbeat?.stop();
    this.#extensions.delete(ext.id);
    const wasDefault = this.#default === ext;
    if (wasDefault) {
      const open = [...this.#extensions.values()];
      this.#default = this.#o.token !== undefined ? open.at(-1) : open[0];
    }
    for (const [id, p] of [...this.#pending]) if (p.ext === ext) this.#settle(id, extensionDisconnected());
    const next = this.#default;
    const after = !wasDefault
      ? ""
      : next
        ? `; executor ${next.id} (${next.peer}) is now the default`
        : "; no executor connected";
    const why = reason ? ` ${JSON.stringify(reason)}` : "";
    this.#o.log(`executor ${ext.id} disconnected (${code}${why}), ${ext.peer}${after}`);
    this.emit("disconnect", this.#info(ext, false), code, reason);
  }
}

/** Origin (quoted, so a crafted header cannot forge log lines) and peer address of a connection. */
function describePeer(conn: Connection<undefined>): string {
  const req = conn.request;
  const origin = req.headers.origin;
  return `Origin ${origin === undefined ? "(none)" : JSON.stringify(origin)} from ${req.socket.remoteAddress ?? "?"}`;
}
