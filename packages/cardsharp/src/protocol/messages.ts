import type { Action, EngineEventType, PublicState } from "../engine/events.js";

/** Message `type`s a client sends (upstream's `ClientMessage`). */
export const CLIENT_MESSAGE_TYPES = [
  "connect",
  "disconnect",
  "subscribe",
  "unsubscribe",
  "action",
  "heartbeat",
] as const;
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];

/** Message `type`s the server sends (upstream's `ServerMessage`). */
export const SERVER_MESSAGE_TYPES = [
  "connected",
  "disconnected",
  "event",
  "action_request",
  "error",
  "heartbeat",
  "resync",
] as const;
export type ServerMessageType = (typeof SERVER_MESSAGE_TYPES)[number];

/**
 * Every frame is `{type, data, timestamp?, seq?}`; timestamps are Unix seconds as floats. `seq` (ours) numbers
 * the frames the server pushes to one socket (1, 2, 3, ...), so a `resync` can name the range lost.
 */
export interface Envelope<T extends string = string, D = Record<string, unknown>> {
  type: T;
  data: D;
  timestamp?: number;
  seq?: number;
}

/** The `"*"` subscription: every event. */
export const ALL_EVENTS = "*";

// ---- client → server ----
/** `resume_token` (ours): the secret from this id's `connected`; without it a known id is refused (CLIENT_ID_TAKEN). */
export type ConnectMessage = Envelope<"connect", { client_id?: string | null; resume_token?: string | null }>;
export type DisconnectMessage = Envelope<"disconnect", { client_id?: string }>;
export type SubscribeMessage = Envelope<"subscribe" | "unsubscribe", { event_types: Array<EngineEventType | "*"> }>;
export type ActionMessage = Envelope<"action", { action: string; data?: Record<string, unknown> }>;
export type ClientHeartbeatMessage = Envelope<"heartbeat", { timestamp?: number }>;
export type ClientMessage =
  | ConnectMessage
  | DisconnectMessage
  | SubscribeMessage
  | ActionMessage
  | ClientHeartbeatMessage;

/** Action names the server understands inside an `action` message. */
export const ACTION_NAMES = {
  /** Answer an `action_request`: `{action: "HIT"|..., request_id}`. */
  playerAction: "player_action",
  /** Bet for the current round: `{amount}`. */
  placeBet: "place_bet",
  /** Claim a seat for this client id: `{player_name?}`. */
  join: "join",
  /** Give the seat up (after the current round). */
  leave: "leave",
} as const;

// ---- server → client ----
/** Our additions to upstream's `connected {client_id}`: whether a seat was resumed, and a table snapshot. */
export interface ConnectedData {
  client_id: string;
  /**
   * The secret that proves this client id on a later `connect` (128 random bits, base64url). Sent only in
   * this private reply, never in an event; keep it like a password (our client stores it per tab).
   */
  resume_token?: string;
  resumed?: boolean;
  seat?: SeatInfo | null;
  state?: PublicState;
  /** The table's rules, as GAME_CREATED's `rules` (which a late client never saw). */
  rules?: Record<string, unknown>;
}
export interface SeatInfo {
  player_id: string;
  player_name: string;
  balance: number;
}
export interface SubscriptionsData {
  subscriptions: string[];
}
/**
 * The ack of every accepted action, exactly as the server writes it (a direct reply: no timestamp, no seq).
 * Built once: the server sends this text and our client recognises it without parsing it.
 */
export const ACTION_RECEIVED_FRAME = JSON.stringify({ type: "event", data: { event_type: "action_received" } });

export interface EventData {
  event_type: EngineEventType | "action_received";
  data?: Record<string, unknown>;
}
export interface ActionRequestData {
  request_id: string;
  player_id: string;
  player_name: string;
  valid_actions: Action[];
  pending: true;
  timestamp: number;
  /** Ours: what is being decided, which hand, and how long the server waits before playing the default. */
  decision: "play" | "insurance";
  hand_id: string;
  timeout_seconds: number;
  /** Ours: the hand and the dealer's up card, so a bot can decide from the request alone. */
  cards: string[];
  hand_value: number;
  dealer_upcard: string;
}
export interface ErrorData {
  message: string;
  /** Ours: a machine-readable reason (see ErrorCode). */
  code: ErrorCode;
}

export type ServerMessage =
  | Envelope<"connected", ConnectedData | SubscriptionsData>
  | Envelope<"disconnected", { client_id: string; reason?: string }>
  | Envelope<"event", EventData>
  | Envelope<"action_request", ActionRequestData>
  | Envelope<"error", ErrorData>
  | Envelope<"heartbeat", { timestamp: number }>
  | Envelope<"resync", ResyncData>;

/** Ours: frames to this client were dropped (slow reader, "drop" policy); `state` is a fresh snapshot. */
export interface ResyncData {
  /** How many frames were dropped since the last resync. */
  lost: number;
  /** `seq` of the first and of the last pushed frame lost (null when only unnumbered replies were lost). */
  from: number | null;
  to: number | null;
  state: PublicState | null;
}

/** Reasons in `error.data.code`. Upstream's three messages keep their exact text. */
export type ErrorCode =
  | "NOT_CONNECTED"
  | "UNKNOWN_TYPE"
  | "UNKNOWN_CLIENT"
  | "INVALID_JSON"
  | "INVALID_MESSAGE"
  | "BINARY_NOT_SUPPORTED"
  | "UNKNOWN_ACTION"
  | "NO_SEAT"
  | "NOT_YOUR_SEAT"
  | "ALREADY_SEATED"
  | "TABLE_FULL"
  | "STALE_REQUEST"
  | "INVALID_ACTION"
  | "BET_REJECTED"
  | "TOO_MANY_SUBSCRIPTIONS"
  | "CLIENT_ID_TAKEN"
  | "INTERNAL_ERROR"
  /** Cluster mode: a `lobby` request while this socket's previous one is being answered. */
  | "LOBBY_BUSY";

export const UPSTREAM_ERROR_MESSAGES = {
  NOT_CONNECTED: "Not connected",
  UNKNOWN_TYPE: "Unknown message type",
  UNKNOWN_CLIENT: "Unknown client",
} as const;

/** Close codes the server uses. */
export const CardsharpCloseCode = {
  /** After a `disconnect` message. */
  Normal: 1000,
  /** Server shutting down. */
  GoingAway: 1001,
  /** A slow consumer: more than the byte cap (`maxBufferedBytes`) waiting to be sent to it. */
  SlowConsumer: 1008,
  /** A frame over the payload limit. */
  MessageTooBig: 1009,
  /** No inbound traffic within the inactivity timeout. */
  InactivityTimeout: 4408,
  /** The same client id connected on another socket, with its resume token. */
  Replaced: 4409,
  /** Cluster mode (ours): the socket's path names no table of the casino (`/tables/<id>`). */
  UnknownTable: 4404,
  /** Cluster mode (ours): the table has no owner yet and too many frames waited for one. */
  TryAgainLater: 1013,
} as const;

// ---- cluster mode (ours): several server processes serving one casino over Redis ----
/** Client → server in cluster mode: `{type: "lobby"}` asks for the casino's tables (answered even before `connect`). */
export const CLUSTER_CLIENT_MESSAGE_TYPES = ["lobby"] as const;
/** Server → client in cluster mode: the `lobby` reply, and `table_moved` when another instance took the table over. */
export const CLUSTER_SERVER_MESSAGE_TYPES = ["lobby", "table_moved"] as const;

/** One table of the casino, as the lobby lists it. */
export interface LobbyTable {
  table_id: string;
  /** The instance running the table now (null between owners). */
  owner: string | null;
  /** The path a socket connects to for this table. */
  path: string;
  min_bet: number;
  max_bet: number;
  max_seats: number;
  /** Bot seats, and the human seats (held seats of absent owners included). */
  bots: number;
  seats: Array<{ client_id: string; player_name: string }>;
  /** Rounds settled at this table (across owners). */
  rounds_settled: number;
}
export interface LobbyData {
  /** The instance that answered. */
  instance: string;
  tables: LobbyTable[];
}
/**
 * Pushed to every socket of a table when another instance takes the table over (its owner died or shut down):
 * the server then re-sends the socket's `connect` (with its resume token) and `subscribe` to the new owner, so the
 * client next gets `connected {resumed, seat, state}` (seq numbering starts again) and its subscription ack.
 * The round cut short is void: stakes go back, bankrolls are the ones settled before it.
 */
export interface TableMovedData {
  table_id: string;
  owner: string;
  previous_owner: string | null;
}

/** Seconds since the epoch as a float (Python's `time.time()`). */
export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** A uuid4 (as upstream's `uuid4()` client ids), from Web Crypto; browsers without it get a random string. */
export function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `client-${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
}
