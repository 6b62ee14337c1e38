import type { ClientSession } from "../websocket-event-handler.js";
import { CardsharpCloseCode, nowSeconds, type TableMovedData } from "../../protocol/messages.js";
import type { OwnedTable } from "./owned-table.js";

/** The client socket a link serves (a ws-core Connection in the server). */
export interface LinkSocket {
  send(text: string): unknown;
  close(code: number, reason: string): void;
}

/** How a link reaches the table's owner. */
export type LinkTarget =
  | { kind: "local"; table: OwnedTable }
  | { kind: "remote"; send: (linkId: string, frame: string) => void; close: (linkId: string) => void };

/** Frames kept while the table has no owner (between owners); more closes the socket with 1013. */
const MAX_WAITING = 256;

/**
 * One client socket on this instance, playing or watching one table wherever it runs: frames go to the owner
 * (straight to a table owned here, else over the bus), the owner's frames come back. The link remembers the
 * socket's client id, resume token and subscriptions, so that when another instance takes the table over it can
 * `connect` and `subscribe` again there for the client (after telling it `table_moved`).
 */
export class SocketLink {
  readonly tableId: string;
  readonly socket: LinkSocket;
  /** Changes with each owner, so frames of an old owner's session are not taken for the new one's. */
  id: string;
  clientId: string | undefined;
  resumeToken: string | undefined;
  subscriptions: string[] = [];
  closed = false;
  #target: LinkTarget | undefined;
  #session: ClientSession | undefined;
  #waiting: string[] = [];
  #owner: string | undefined;
  readonly #nextId: () => string;

  constructor(tableId: string, socket: LinkSocket, nextId: () => string) {
    this.tableId = tableId;
    this.socket = socket;
    this.#nextId = nextId;
    this.id = nextId();
  }

  get owner(): string | undefined {
    return this.#owner;
  }

  get attached(): boolean {
    return this.#target !== undefined;
  }

  /** A frame from the client. */
  receive(frame: string): void {
    if (this.closed) return;
    if (!this.#target) {
      if (this.#waiting.length >= MAX_WAITING) {
        this.socket.close(CardsharpCloseCode.TryAgainLater, "table has no owner yet");
        return;
      }
      this.#waiting.push(frame);
      return;
    }
    this.#forward(frame);
  }

  /** A frame from the owner for this socket. */
  deliver(frame: string): void {
    if (this.closed) return;
    if (frame.startsWith('{"type":"connected"')) this.#remember(frame);
    this.socket.send(frame);
  }

  /** The owner closed this client's session (disconnect, replaced, inactivity). */
  closeFromOwner(code: number, reason: string): void {
    if (this.closed) return;
    this.socket.close(code, reason);
  }

  /**
   * Points the link at the table's (new) owner. When it served another owner before, the client is told
   * (`table_moved`) and its `connect` (with the resume token) and `subscribe` are sent again for it.
   */
  attach(owner: string, target: LinkTarget): void {
    if (this.closed) return;
    const previous = this.#owner;
    const moved = previous !== undefined && previous !== owner;
    this.detach();
    this.id = this.#nextId();
    this.#owner = owner;
    this.#target = target;
    if (target.kind === "local") {
      this.#session = target.table.openLocal({
        send: (text) => this.deliver(text),
        close: (code, reason) => this.closeFromOwner(code, reason),
      });
    }
    if (moved) {
      const data: TableMovedData = { table_id: this.tableId, owner, previous_owner: previous ?? null };
      this.socket.send(JSON.stringify({ type: "table_moved", data, timestamp: nowSeconds() }));
    }
    if (moved && this.clientId !== undefined) {
      const connect: Record<string, string> = { client_id: this.clientId };
      if (this.resumeToken) connect.resume_token = this.resumeToken;
      this.#forward(JSON.stringify({ type: "connect", data: connect }));
      if (this.subscriptions.length > 0) {
        this.#forward(JSON.stringify({ type: "subscribe", data: { event_types: this.subscriptions } }));
      }
    }
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const f of waiting) this.#forward(f);
  }

  /** Leaves the current owner (its session is closed there); frames wait until `attach`. */
  detach(): void {
    const t = this.#target;
    this.#target = undefined;
    if (t?.kind === "local" && this.#session) t.table.closeLocal(this.#session);
    else if (t?.kind === "remote") t.close(this.id);
    this.#session = undefined;
  }

  /** The client's socket closed. */
  socketClosed(): void {
    if (this.closed) return;
    this.detach();
    this.closed = true;
  }

  #forward(frame: string): void {
    const t = this.#target;
    if (t?.kind === "local") {
      if (this.#session) t.table.receiveLocal(this.#session, frame);
    } else if (t) t.send(this.id, frame);
  }

  /** Keeps what a new owner needs: the client id and token (`connect`), the subscriptions (ack). */
  #remember(frame: string): void {
    try {
      const m = JSON.parse(frame) as {
        data?: { client_id?: unknown; resume_token?: unknown; subscriptions?: unknown };
      };
      const d = m.data ?? {};
      if (typeof d.client_id === "string") {
        if (d.client_id !== this.clientId) this.subscriptions = [];
        this.clientId = d.client_id;
        if (typeof d.resume_token === "string") this.resumeToken = d.resume_token;
      }
      if (Array.isArray(d.subscriptions)) this.subscriptions = d.subscriptions.filter((s) => typeof s === "string");
    } catch {
      // not ours to judge: the frame goes to the client as it is
    }
  }
}
