import { EngineError } from "./errors.js";

/** Table rules. Defaults follow upstream's async engine (6 decks, S17, 3:2, DAS, late surrender, peek, 75 %). */
export interface Rules {
  decks: number;
  /** Fraction of the shoe dealt before the cut card forces a reshuffle. */
  penetration: number;
  /** H17 when true, S17 when false. */
  dealerHitsSoft17: boolean;
  /** Natural payout: 1.5 (3:2) or 1.2 (6:5). */
  blackjackPays: number;
  /** Which first-two-card totals may double. */
  doubleOn: "any" | "9-11" | "10-11";
  doubleAfterSplit: boolean;
  /** Splits per seat per round (3 = up to four hands). */
  maxSplits: number;
  resplitAces: boolean;
  hitSplitAces: boolean;
  /** Late surrender (after the dealer peeked), on the first two cards of an unsplit hand. */
  surrender: boolean;
  /**
   * Early surrender: the first decision of every hand may surrender before the dealer's blackjack counts (a
   * dealer natural then takes half). The hand's first answer is asked even under a dealer natural; any
   * answer other than SURRENDER then stands (nothing more is staked).
   */
  earlySurrender: boolean;
  /** Continuous shuffling machine: every round is dealt from a freshly shuffled shoe (no count survives). */
  continuousShuffle: boolean;
  /** Cards burned face down after each shuffle (seen by nobody). */
  burnCards: number;
  insurance: boolean;
  /** Insurance pays this to one (2 = 2:1). */
  insurancePays: number;
  /** Dealer checks for blackjack under an ace or ten before players act. */
  dealerPeek: boolean;
  minBet: number;
  maxBet: number;
}

export const DEFAULT_RULES: Readonly<Rules> = Object.freeze({
  decks: 6,
  penetration: 0.75,
  dealerHitsSoft17: false,
  blackjackPays: 1.5,
  doubleOn: "any",
  doubleAfterSplit: true,
  maxSplits: 3,
  resplitAces: false,
  hitSplitAces: false,
  surrender: true,
  earlySurrender: false,
  continuousShuffle: false,
  burnCards: 0,
  insurance: true,
  insurancePays: 2,
  dealerPeek: true,
  minBet: 5,
  maxBet: 1000,
});

export function resolveRules(partial: Partial<Rules> = {}): Rules {
  const r: Rules = { ...DEFAULT_RULES, ...partial };
  const bad = (why: string) => new EngineError("INVALID_RULES", why);
  if (!Number.isInteger(r.decks) || r.decks < 1 || r.decks > 16) throw bad("decks must be an integer 1..16");
  if (!(r.penetration > 0 && r.penetration <= 1)) throw bad("penetration must be in (0, 1]");
  if (!(r.blackjackPays > 0)) throw bad("blackjackPays must be positive");
  if (!Number.isInteger(r.maxSplits) || r.maxSplits < 0) throw bad("maxSplits must be a non-negative integer");
  if (!Number.isInteger(r.burnCards) || r.burnCards < 0 || r.burnCards > 52) throw bad("burnCards must be 0..52");
  if (!(r.minBet > 0 && r.maxBet >= r.minBet)) throw bad("need 0 < minBet <= maxBet");
  if (!["any", "9-11", "10-11"].includes(r.doubleOn)) throw bad('doubleOn must be "any", "9-11" or "10-11"');
  return r;
}

/** The rules as GAME_CREATED's `rules` dict: upstream's keys, then ours. */
export function rulesPayload(r: Rules): Record<string, unknown> {
  return {
    blackjack_pays: r.blackjackPays,
    deck_count: r.decks,
    dealer_hit_soft_17: r.dealerHitsSoft17,
    allow_double_after_split: r.doubleAfterSplit,
    allow_surrender: r.surrender,
    allow_late_surrender: r.surrender,
    allow_early_surrender: r.earlySurrender,
    continuous_shuffle: r.continuousShuffle,
    burn_cards: r.burnCards,
    penetration: r.penetration,
    double_on: r.doubleOn,
    max_splits: r.maxSplits,
    resplit_aces: r.resplitAces,
    hit_split_aces: r.hitSplitAces,
    offer_insurance: r.insurance,
    insurance_payout: r.insurancePays,
    peek_for_blackjack: r.dealerPeek,
    min_bet: r.minBet,
    max_bet: r.maxBet,
  };
}
