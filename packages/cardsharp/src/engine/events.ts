/** Upstream's `EngineEventType`: all 41 names, in upstream order. The wire uses the NAME. */
export const ENGINE_EVENT_TYPES = [
  "ENGINE_INIT",
  "ENGINE_SHUTDOWN",
  "GAME_CREATED",
  "GAME_STARTED",
  "GAME_ENDED",
  "ROUND_STARTED",
  "ROUND_ENDED",
  "PLAYER_JOINED",
  "PLAYER_LEFT",
  "PLAYER_BET",
  "PLAYER_DECISION_NEEDED",
  "PLAYER_ACTION",
  "PLAYER_TIMEOUT",
  "CARD_DEALT",
  "CARD_REVEALED",
  "CARD_HIDDEN",
  "HAND_CREATED",
  "HAND_SPLIT",
  "HAND_BUSTED",
  "HAND_COMPLETED",
  "HAND_RESULT",
  "DEALER_UPCARD",
  "DEALER_ACTION",
  "DEALER_ERROR",
  "INSURANCE_OFFERED",
  "INSURANCE_DECISION",
  "MONEY_BET",
  "MONEY_PAYOUT",
  "BANKROLL_UPDATED",
  "STRATEGY_DECISION",
  "STRATEGY_DEVIATION",
  "COUNT_UPDATED",
  "SHUFFLE",
  "ERROR",
  "WARNING",
  "SIMULATION_PROGRESS",
  "SIMULATION_RESULT",
  "UI_UPDATE_NEEDED",
  "USER_INTERACTION_NEEDED",
  "USER_INTERACTION_RECEIVED",
  "CUSTOM_EVENT",
] as const;

export type EngineEventType = (typeof ENGINE_EVENT_TYPES)[number];

const NAMES: ReadonlySet<string> = new Set(ENGINE_EVENT_TYPES);
export function isEngineEventType(name: string): name is EngineEventType {
  return NAMES.has(name);
}

/** Player decisions, as upstream's `Action` enum names, plus the insurance answers. */
export type PlayAction = "HIT" | "STAND" | "DOUBLE" | "SPLIT" | "SURRENDER";
export type InsuranceAction = "INSURANCE" | "NO_INSURANCE";
export type Action = PlayAction | InsuranceAction;
export const ACTIONS: readonly Action[] = ["HIT", "STAND", "DOUBLE", "SPLIT", "SURRENDER", "INSURANCE", "NO_INSURANCE"];

/** Upstream's `GameStage` names (used in `next_stage`). */
export type GameStage =
  | "WAITING_FOR_PLAYERS"
  | "PLACING_BETS"
  | "DEALING"
  | "INSURANCE"
  | "PLAYER_TURN"
  | "DEALER_TURN"
  | "END_ROUND";

export type HandResult = "win" | "lose" | "push" | "surrender";

interface Stamped {
  timestamp: number;
}
interface InGame extends Stamped {
  game_id: string;
}
interface PlayerRef {
  player_id: string;
  player_name: string;
}

/** The public table view carried by UI_UPDATE_NEEDED and snapshots (upstream's `to_adapter_format`, hole card hidden). */
export interface PublicState {
  game_id: string;
  round_id: string | null;
  round_number: number;
  stage: GameStage;
  min_bet: number;
  max_bet: number;
  dealer: { hand: string[]; value: number; hide_second_card: boolean };
  players: Array<{
    player_id: string;
    name: string;
    balance: number;
    hands: Array<{ hand_id: string; cards: string[]; value: number; bet: number; result?: HandResult }>;
  }>;
  current: { player_id: string; hand_id: string | null; decision: "play" | "insurance" } | null;
}

/** Payload keys per event (upstream's keys first; our additions are documented in PROTOCOL.md). */
export interface EventPayloads {
  ENGINE_INIT: Stamped & { engine_type: "blackjack"; config: Record<string, unknown> };
  ENGINE_SHUTDOWN: Stamped;
  SHUFFLE: InGame & { deck_count: number; cards_remaining: number };
  GAME_CREATED: InGame & { rules: Record<string, unknown> };
  GAME_STARTED: InGame;
  /** `client_id` names the client that claimed the seat (server tables). */
  PLAYER_JOINED: InGame & PlayerRef & { balance: number; client_id?: string };
  PLAYER_LEFT: InGame & PlayerRef & { balance: number };
  ROUND_STARTED: InGame & {
    round_id: string;
    round_number: number;
    player_count: number;
    min_bet: number;
    max_bet: number;
  };
  PLAYER_BET: InGame & PlayerRef & { round_id: string; amount: number; previous_balance: number; new_balance: number };
  CARD_DEALT: InGame & {
    round_id: string;
    card: string | null;
    is_dealer: boolean;
    is_hole_card?: boolean;
    player_id?: string;
    player_name?: string;
    hand_id?: string;
    hand_value_before: number;
    hand_value_after: number;
  };
  CARD_REVEALED: InGame & {
    round_id: string;
    card: string;
    is_dealer: true;
    hand_value: number;
    is_blackjack: boolean;
  };
  INSURANCE_OFFERED: InGame & PlayerRef & { round_id: string; hand_id: string; amount: number; even_money: boolean };
  INSURANCE_DECISION: InGame &
    PlayerRef & { round_id: string; hand_id: string; action: InsuranceAction; amount: number; even_money: boolean };
  MONEY_PAYOUT: InGame & PlayerRef & { round_id: string; reason: "insurance"; amount: number };
  PLAYER_DECISION_NEEDED: InGame &
    PlayerRef & { round_id: string; hand_id: string; decision: "play" | "insurance"; valid_actions: Action[] };
  PLAYER_ACTION: InGame &
    PlayerRef & { round_id: string; action: PlayAction; hand_id: string; hand_value: number; next_stage: GameStage };
  HAND_SPLIT: InGame &
    PlayerRef & { round_id: string; original_hand_id: string; new_hand1_id: string; new_hand2_id: string };
  HAND_BUSTED: InGame & PlayerRef & { round_id: string; hand_id: string; hand_value: number };
  DEALER_ACTION: InGame & { round_id: string; action: "HIT" | "STAND"; hand_value: number; busted: boolean };
  HAND_RESULT: InGame &
    PlayerRef & {
      round_id: string;
      hand_id: string;
      result: HandResult;
      payout: number;
      bet: number;
      blackjack: boolean;
      hand_value: number;
      dealer_value: number;
    };
  BANKROLL_UPDATED: InGame & PlayerRef & { balance: number };
  ROUND_ENDED: InGame & {
    round_id: string;
    round_number: number;
    dealer_blackjack?: true;
    /** Betting closed without a deal (nobody bet, or every bettor left). */
    abandoned?: true;
    results: Record<string, { name: string; balance: number; net: number }>;
    dealer: { hand: { cards: string[] }; value: number };
  };
  UI_UPDATE_NEEDED: Stamped & { state: PublicState };
  PLAYER_TIMEOUT: Stamped & PlayerRef & { request_id?: string };
  USER_INTERACTION_NEEDED: Stamped & PlayerRef & { request_id: string; valid_actions: Action[] };
  USER_INTERACTION_RECEIVED: { action: string; data: Record<string, unknown> };
}

/** Payload type of any event name (names the engine never emits carry an open record). */
export type EventPayload<K extends EngineEventType> = K extends keyof EventPayloads
  ? EventPayloads[K]
  : Record<string, unknown>;

/** A listener for every engine event. */
export type EventSink = <K extends EngineEventType>(type: K, data: EventPayload<K>) => void;
