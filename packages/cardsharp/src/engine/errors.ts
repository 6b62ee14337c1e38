import { CodedError } from "@proj/ws-core";

/** Machine-readable reasons the engine refuses a call. */
export type EngineErrorCode =
  | "WRONG_STAGE"
  | "UNKNOWN_PLAYER"
  | "DUPLICATE_PLAYER"
  | "BET_BELOW_MIN"
  | "BET_ABOVE_MAX"
  | "BET_NOT_CENTS"
  | "INSUFFICIENT_FUNDS"
  | "ALREADY_BET"
  | "NO_BETS"
  | "NOT_YOUR_TURN"
  | "INVALID_ACTION"
  | "INVALID_RULES";

/** Every refusal of the engine (bad bet, wrong stage, action not valid now). */
export class EngineError extends CodedError<EngineErrorCode> {
  override name = "EngineError";
}
