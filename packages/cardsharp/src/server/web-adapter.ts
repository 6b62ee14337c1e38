import { Emitter } from "@proj/ws-core";
import { cardToString } from "../engine/cards.js";
import type { Action } from "../engine/events.js";
import { evaluate } from "../engine/hand-value.js";
import { rulesPayload } from "../engine/rules.js";
import { ACTION_NAMES, type ActionRequestData, type ConnectedData, nowSeconds } from "../protocol/messages.js";
import type { EventBus } from "./event-bus.js";
import type { BlackjackTable, PendingRequest, PlatformAdapter } from "./table.js";
import {
  type ActionOutcome,
  type ActionRouter,
  CLIENT_DISCONNECTED,
  type WebSocketEventHandler,
} from "./websocket-event-handler.js";

export interface WebAdapterOptions {
  /** Deliver requests over the WebSocketEventHandler (true) or only in process (false). Default true. */
  useWebsockets?: boolean;
  /** Required with `useWebsockets`. */
  handler?: WebSocketEventHandler;
  /** Give every newly connected client a seat without a `join` action (so upstream's client plays). Default false. */
  autoSeat?: boolean;
}

type AdapterEvents = { action_request: ActionRequestData };

/**
 * Upstream's `WebAdapter`: the bridge between a table and its players. With `useWebsockets` it sends
 * `action_request` to the seat's own client, routes that client's `action`s to the table (refusing
 * other clients, stale request ids and invalid actions), seats clients by id, and restores a seat and
 * a snapshot on reconnect. Without it, requests surface as `action_request` events and `submitAction` answers them.
 */
export class WebAdapter implements PlatformAdapter, ActionRouter {
  readonly useWebsockets: boolean;
  readonly handler: WebSocketEventHandler | undefined;
  readonly #autoSeat: boolean;
  readonly #events = new Emitter<AdapterEvents>();
  #table: BlackjackTable | undefined;
  #bus: EventBus | undefined;

  constructor(options: WebAdapterOptions = {}) {
    this.useWebsockets = options.useWebsockets ?? true;
    this.handler = options.handler;
    this.#autoSeat = options.autoSeat ?? false;
    if (this.useWebsockets && !this.handler) throw new TypeError("useWebsockets needs a WebSocketEventHandler");
  }

  /** In-process requests (for `useWebsockets: false`). */
  on(event: "action_request", fn: (request: ActionRequestData) => void): () => void {
    return this.#events.on(event, fn);
  }

  /** Binds the adapter to a table: the table asks it for decisions, the handler routes actions to it. */
  attach(table: BlackjackTable): this {
    this.#table = table;
    this.#bus = table.bus;
    table.adapter = this;
    const h = this.handler;
    if (h && this.useWebsockets) {
      h.setActionRouter(this);
      h.connectExtras = (clientId) => this.#connectExtras(clientId);
      h.snapshot = () => table.snapshot();
      // A held seat keeps its client id (and resume token) claimed while the owner is away.
      h.retains = (clientId) => table.hasSeat(clientId);
      h.on("connect", ({ clientId }) => table.setPresence(clientId, true));
      // ROUND_STARTED may have gone out between this client's `connect` and its `subscribe` (our CLI and
      // upstream's example client subscribe right after connecting): a client that subscribes to it while
      // bets are open gets the open round's ROUND_STARTED again, so it learns that it can bet.
      h.on("subscribe", ({ clientId, session }) => {
        const open = table.openRound;
        if (!open || !session.wants("ROUND_STARTED")) return;
        const seat = table.seatOf(clientId);
        if (seat && table.engine.player(seat.player_id)?.inRound) return; // it has bet already
        h.sendTo(clientId, "event", { event_type: "ROUND_STARTED", data: open });
      });
      // A client that says `disconnect` is gone for good: its pending decision is answered at once.
      h.on("disconnect", ({ clientId, reason }) => table.setPresence(clientId, false, reason === CLIENT_DISCONNECTED));
    }
    return this;
  }

  requestPlayerAction(request: PendingRequest): void {
    const data = toRequestData(request);
    this.#bus?.emit("USER_INTERACTION_NEEDED", {
      request_id: data.request_id,
      player_id: data.player_id,
      player_name: data.player_name,
      valid_actions: data.valid_actions,
      timestamp: data.timestamp,
    });
    if (this.useWebsockets) this.handler?.sendTo(request.ownerId, "action_request", data);
    else this.#events.emit("action_request", data);
  }

  /** Answers a request in process (owner "local" unless given). Throws TableError when refused. */
  submitAction(action: Action, requestId: string, ownerId = this.#table?.pending?.ownerId ?? "local"): void {
    this.#requireTable().answer(ownerId, requestId, action);
  }

  /** ActionRouter: validates before the ack; the returned `run` applies after it. */
  route(clientId: string, action: string, data: Record<string, unknown>): ActionOutcome {
    const table = this.#requireTable();
    switch (action) {
      case ACTION_NAMES.playerAction: {
        const err = table.checkAnswer(clientId, data.request_id, data.action);
        return refuse(err) ?? { run: () => table.answer(clientId, data.request_id as string, data.action as Action) };
      }
      case ACTION_NAMES.placeBet: {
        const amount = data.amount;
        return refuse(table.checkBet(clientId, amount)) ?? { run: () => table.placeBet(clientId, amount as number) };
      }
      case ACTION_NAMES.join: {
        const name = typeof data.player_name === "string" ? data.player_name : undefined;
        return refuse(table.checkSeat(clientId)) ?? { run: () => void table.seatHuman(clientId, name) };
      }
      case ACTION_NAMES.leave:
        return refuse(table.checkRelease(clientId)) ?? { run: () => table.releaseSeat(clientId) };
      default:
        return { error: { code: "UNKNOWN_ACTION", message: `Unknown action: ${action.slice(0, 64)}` } };
    }
  }

  #connectExtras(clientId: string): Partial<ConnectedData> {
    const table = this.#requireTable();
    let seat = table.seatOf(clientId);
    const resumed = seat !== undefined;
    if (!seat && this.#autoSeat) {
      try {
        seat = table.seatHuman(clientId);
      } catch {
        // Table full: the client connects as a spectator.
      }
    }
    const pending = table.pending;
    if (resumed && pending?.ownerId === clientId) {
      // Re-deliver the open request right after `connected` (same request_id), unless frames that arrived
      // in the same read as the `connect` already answered it.
      queueMicrotask(() => {
        if (table.pending === pending) this.handler?.sendTo(clientId, "action_request", toRequestData(pending));
      });
    }
    // The rules too: GAME_CREATED went out when the table opened, before this client was there.
    return { resumed, seat: seat ?? null, state: table.snapshot(), rules: rulesPayload(table.engine.rules) };
  }

  #requireTable(): BlackjackTable {
    if (!this.#table) throw new Error("WebAdapter is not attached to a table");
    return this.#table;
  }
}

/** The refusal of an action as the router's outcome (a function, not a closure made per message). */
function refuse(e: { code: any; message: string } | undefined): ActionOutcome | undefined {
  return e ? { error: { code: e.code, message: e.message } } : undefined;
}

function toRequestData(r: PendingRequest): ActionRequestData {
  const d = r.decision;
  return {
    request_id: r.requestId,
    player_id: r.playerId,
    player_name: r.playerName,
    valid_actions: d.validActions.slice(),
    pending: true,
    timestamp: nowSeconds(),
    decision: d.kind,
    hand_id: d.handId,
    timeout_seconds: r.timeoutMs / 1000,
    cards: d.cards.map(cardToString),
    hand_value: evaluate(d.cards).total,
    dealer_upcard: cardToString(d.dealerUpcard),
  };
}
