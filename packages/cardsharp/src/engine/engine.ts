import { type Card, cardToString, pointValue } from "./cards.js";
import { epochSeconds } from "./clock.js";
import { decimal } from "./decimal.js";
import { EngineError } from "./errors.js";
import { fromCents, isWholeCents, mulCents, toCents } from "./money.js";
import type {
  Action,
  EngineEventType,
  EventPayload,
  EventSink,
  GameStage,
  HandResult,
  InsuranceAction,
  PlayAction,
  PublicState,
} from "./events.js";
import { Hand, validPlayActions } from "./hand.js";
import { handTotal, isSoft } from "./hand-value.js";
import { type Random, randomSeed, seededRandom } from "./rng.js";
import { type Rules, resolveRules, rulesPayload } from "./rules.js";
import { dealerDraws, type Settlement, settleHand } from "./settle.js";
import { Shoe } from "./shoe.js";

export interface EngineOptions {
  rules?: Partial<Rules>;
  /** Seed for the shoe (same seed, same cards). Ignored when `random` is given. */
  seed?: number | string;
  random?: Random;
  gameId?: string;
  /** Receives every event, synchronously, in order. Without it no payload is built (fast simulation). */
  onEvent?: EventSink;
  /** Seconds since the epoch, as a float (upstream's `time.time()`). */
  clock?: () => number;
  /** Emit UI_UPDATE_NEEDED snapshots after the deal, the reveal and the settlement. Default true. */
  uiUpdates?: boolean;
  /** Echoed in ENGINE_INIT's `config`. */
  config?: Record<string, unknown>;
  /**
   * Sees what the table shows without building event payloads (the simulator's counters): every face-up
   * card as it is dealt (the hole card when revealed) and every shuffle.
   */
  observer?: CardObserver;
  /** Called for each settled hand without building event payloads (the simulator's statistics). */
  onHandSettled?: (playerId: string, hand: SettledHand) => void;
}

export interface CardObserver {
  card(card: Card): void;
  shuffle(): void;
}

/** One finished hand, money in integer cents. */
export interface SettledHand {
  result: HandResult;
  /** A natural paid as such (not against a dealer natural). */
  blackjack: boolean;
  busted: boolean;
  surrendered: boolean;
  doubled: boolean;
  fromSplit: boolean;
  stakeCents: number;
  payoutCents: number;
}

export interface PlayerInfo {
  id: string;
  name: string;
  /** The bankroll as a decimal amount (whole cents). */
  balance: number;
  /** The bankroll in integer cents, as the engine keeps it. */
  balanceCents: number;
  /** Placed a bet in the current round. */
  inRound: boolean;
}

/** A decision the engine is waiting for; answer with `act(playerId, action)`. */
export interface Decision {
  kind: "play" | "insurance";
  playerId: string;
  playerName: string;
  handId: string;
  validActions: Action[];
  /** The hand being decided (for strategies). */
  cards: readonly Card[];
  dealerUpcard: Card;
  /** Hands the seat holds (splits). */
  handCount: number;
}

/** A seat's money is integer cents: `balance`, `insurance` and `net` (and each hand's `stake`). */
class Seat {
  readonly id: string;
  readonly name: string;
  balance: number;
  /** Replaced, never changed in place (snapshots keep the list they saw). */
  hands: Hand[] = NO_HANDS;
  insurance = 0;
  /** Cents returned this round (payouts, refunds) minus cents staked. */
  net = 0;
  constructor(id: string, name: string, balanceCents: number) {
    this.id = propertyKey(id);
    this.name = name;
    this.balance = balanceCents;
  }
  get inRound(): boolean {
    return this.hands.length > 0;
  }
  info(): PlayerInfo {
    return {
      id: this.id,
      name: this.name,
      balance: fromCents(this.balance),
      balanceCents: this.balance,
      inRound: this.inRound,
    };
  }
}

/**
 * A casino blackjack table as a pure, synchronous state machine: no I/O, no timers. Callers drive it
 * (`startRound`, `placeBet`, `deal`, `act`) and read `decision`; it emits upstream's events in order.
 * Every round finishes whatever the hands (naturals, all busted, all surrendered).
 */
export class BlackjackEngine {
  readonly rules: Rules;
  readonly shoe: Shoe;
  readonly gameId: string;
  readonly #sink: EventSink | undefined;
  readonly #clock: () => number;
  readonly #ui: boolean;
  readonly #config: Record<string, unknown>;
  readonly #observer: CardObserver | undefined;
  readonly #onHandSettled: ((playerId: string, hand: SettledHand) => void) | undefined;
  /** Early surrender under a dealer natural: each hand's first answer, then the natural settles the round. */
  #earlyPhase = false;
  readonly #seats = new Map<string, Seat>();
  #order: Seat[] = [];
  #stage: GameStage = "WAITING_FOR_PLAYERS";
  #started = false;
  #roundNumber = 0;
  #roundId: string | null = null;
  /** The dealer's cards, as a hand (incremental totals; a natural is the dealer's blackjack). */
  #dealer = new Hand("dealer", 0);
  #holeRevealed = false;
  #decision: Decision | undefined;
  /** The seat `#decision` waits for. */
  #decisionSeat: Seat | undefined;
  #round: Seat[] = [];
  #insuranceQueue: Seat[] = [];
  #seatCursor = 0;
  #handCursor = 0;
  #handSeq = 0;
  #playerSeq = 0;
  /**
   * The timestamp of the events of the current step: the clock is read once per call (`startRound`,
   * `placeBet`, `deal`, `act`, ...), as the events one call emits happen at the same instant.
   */
  #ts = 0;
  readonly #settlement: Settlement = { result: "push", payout: 0 };

  constructor(options: EngineOptions = {}) {
    this.rules = resolveRules(options.rules);
    const random = options.random ?? seededRandom(options.seed ?? randomSeed());
    this.shoe = new Shoe(this.rules.decks, this.rules.penetration, random);
    this.gameId = options.gameId ?? makeId(random);
    this.#sink = options.onEvent;
    // One default function for every engine (a call site that sees one target stays fast).
    this.#clock = options.clock ?? epochSeconds;
    this.#ui = options.uiUpdates ?? true;
    this.#config = options.config ?? {};
    this.#observer = options.observer;
    this.#onHandSettled = options.onHandSettled;
    if (this.rules.burnCards > 0) this.shoe.burn(this.rules.burnCards);
  }

  get stage(): GameStage {
    return this.#stage;
  }

  /** The pending decision, if the engine waits for one. */
  get decision(): Decision | undefined {
    return this.#decision;
  }

  get roundNumber(): number {
    return this.#roundNumber;
  }

  get roundId(): string | null {
    return this.#roundId;
  }

  /** Between rounds (or before the first): players may join and leave, a new round may start. */
  get betweenRounds(): boolean {
    return this.#stage === "WAITING_FOR_PLAYERS" || this.#stage === "END_ROUND";
  }

  get players(): PlayerInfo[] {
    return this.#order.map((s) => s.info());
  }

  player(id: string): PlayerInfo | undefined {
    return this.#seats.get(id)?.info();
  }

  /** A seat's bankroll as a decimal amount (`player(id).balance` without building the PlayerInfo). */
  balanceOf(id: string): number | undefined {
    const s = this.#seats.get(id);
    return s && fromCents(s.balance);
  }

  /** Whether a seat placed a bet in the current round (`player(id).inRound`); false when not seated. */
  hasBet(id: string): boolean {
    return this.#seats.get(id)?.inRound ?? false;
  }

  /** How many seats placed a bet in the current round. */
  get betCount(): number {
    let n = 0;
    for (const s of this.#order) if (s.inRound) n++;
    return n;
  }

  /** Emits the game's opening events (SHUFFLE, ENGINE_INIT, GAME_CREATED, GAME_STARTED). Idempotent. */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    if (this.#sink) {
      const ts = this.#clock();
      this.#emit("SHUFFLE", {
        game_id: this.gameId,
        deck_count: this.rules.decks,
        cards_remaining: this.shoe.remaining,
        timestamp: ts,
      });
      this.#emit("ENGINE_INIT", { engine_type: "blackjack", config: this.#config, timestamp: ts });
      this.#emit("GAME_CREATED", { game_id: this.gameId, rules: rulesPayload(this.rules), timestamp: ts });
      this.#emit("GAME_STARTED", { game_id: this.gameId, timestamp: ts });
    }
    return this;
  }

  /** Seats a player (joins from the next round on). Returns the player id. */
  addPlayer(options: { id?: string; name: string; balance?: number; meta?: Record<string, unknown> }): string {
    this.start();
    if (this.#sink) this.#ts = this.#clock();
    const id = options.id ?? `player-${++this.#playerSeq}`;
    if (this.#seats.has(id)) throw new EngineError("DUPLICATE_PLAYER", `player ${id} is already seated`);
    const balance = options.balance ?? 1000;
    if (!(balance >= 0) || !Number.isFinite(balance))
      throw new EngineError("INSUFFICIENT_FUNDS", "balance must be >= 0");
    const seat = new Seat(id, options.name, toCents(balance));
    this.#seats.set(id, seat);
    // A new array (never changed in place): snapshots keep the one they saw.
    this.#order = [...this.#order, seat];
    if (this.#sink) {
      this.#emit("PLAYER_JOINED", {
        game_id: this.gameId,
        player_id: id,
        player_name: seat.name,
        balance: fromCents(seat.balance),
        ...options.meta,
        timestamp: this.#ts,
      });
    }
    return id;
  }

  /** Removes a player who has no hand in the current round. */
  removePlayer(id: string): void {
    const seat = this.#seat(id);
    if (seat.inRound && !this.betweenRounds) throw new EngineError("WRONG_STAGE", "player is in a round");
    if (this.#sink) this.#ts = this.#clock();
    this.#seats.delete(id);
    this.#order = this.#order.filter((s) => s !== seat);
    if (this.#sink) {
      this.#emit("PLAYER_LEFT", {
        game_id: this.gameId,
        player_id: id,
        player_name: seat.name,
        balance: fromCents(seat.balance),
        timestamp: this.#ts,
      });
    }
  }

  /** Opens betting for a new round (reshuffling first when the cut card is out). */
  startRound(): void {
    if (!this.betweenRounds) throw new EngineError("WRONG_STAGE", `cannot start a round during ${this.#stage}`);
    this.start();
    if (this.#sink) this.#ts = this.#clock();
    for (const s of this.#order) {
      s.hands = NO_HANDS;
      s.insurance = 0;
      s.net = 0;
    }
    this.#round = NO_SEATS;
    this.#dealer = new Hand("dealer", 0);
    this.#holeRevealed = false;
    if (this.shoe.needsShuffle || this.rules.continuousShuffle) this.#shuffle();
    this.#earlyPhase = false;
    this.#roundNumber++;
    this.#roundId = decimal(this.#roundNumber - 1);
    this.#stage = "PLACING_BETS";
    if (this.#sink) {
      this.#emit("ROUND_STARTED", {
        game_id: this.gameId,
        round_id: this.#roundId,
        round_number: this.#roundNumber,
        player_count: this.#order.length,
        min_bet: this.rules.minBet,
        max_bet: this.rules.maxBet,
        timestamp: this.#ts,
      });
    }
  }

  /** Why `playerId` could not bet `amount` now (stage, one bet per round, limits, bankroll), if anything. */
  betError(playerId: string, amount: unknown): EngineError | undefined {
    const seat = this.#seats.get(playerId);
    if (!seat) return new EngineError("UNKNOWN_PLAYER", `no player ${playerId}`);
    return this.#betRefusal(seat, amount);
  }

  #betRefusal(seat: Seat, amount: unknown): EngineError | undefined {
    const r = this.rules;
    if (this.#stage !== "PLACING_BETS") return new EngineError("WRONG_STAGE", "betting is closed");
    if (seat.inRound) return new EngineError("ALREADY_BET", "already bet this round");
    if (typeof amount !== "number" || !Number.isFinite(amount)) {
      return new EngineError("BET_BELOW_MIN", "amount must be a number");
    }
    if (!isWholeCents(amount)) return new EngineError("BET_NOT_CENTS", "amount must have at most 2 decimals");
    if (amount < r.minBet) return new EngineError("BET_BELOW_MIN", `minimum bet is ${r.minBet}`);
    if (amount > r.maxBet) return new EngineError("BET_ABOVE_MAX", `maximum bet is ${r.maxBet}`);
    if (toCents(amount) > seat.balance) {
      return new EngineError("INSUFFICIENT_FUNDS", `insufficient funds (${fromCents(seat.balance)})`);
    }
    return undefined;
  }

  /** Places a seat's bet for this round; throws EngineError (limits, bankroll, stage). */
  placeBet(playerId: string, amount: number): void {
    const seat = this.#seat(playerId);
    const refused = this.#betRefusal(seat, amount);
    if (refused) throw refused;
    if (this.#sink) this.#ts = this.#clock();
    const previous = seat.balance;
    const cents = toCents(amount);
    seat.balance -= cents;
    seat.net -= cents;
    seat.hands = [new Hand(this.#newHandId(), cents)];
    if (this.#sink) {
      this.#emit("PLAYER_BET", {
        game_id: this.gameId,
        round_id: this.#roundId as string,
        player_id: seat.id,
        player_name: seat.name,
        amount: fromCents(cents),
        previous_balance: fromCents(previous),
        new_balance: fromCents(seat.balance),
        timestamp: this.#ts,
      });
    }
  }

  /** Closes betting without dealing (everyone left or nobody bet): stakes go back, ROUND_ENDED says `abandoned`. */
  abandonRound(): void {
    if (this.#stage !== "PLACING_BETS") throw new EngineError("WRONG_STAGE", `cannot abandon during ${this.#stage}`);
    if (this.#sink) this.#ts = this.#clock();
    const results: Record<string, { name: string; balance: number; net: number }> = {};
    for (const s of this.#order) {
      if (!s.inRound) continue;
      s.balance += (s.hands[0] as Hand).stake;
      s.net = 0;
      s.hands = NO_HANDS;
      results[s.id] = { name: s.name, balance: fromCents(s.balance), net: 0 };
    }
    this.#stage = "END_ROUND";
    if (!this.#sink) return;
    this.#emit("ROUND_ENDED", {
      game_id: this.gameId,
      round_id: this.#roundId as string,
      round_number: this.#roundNumber,
      abandoned: true,
      results,
      dealer: { hand: { cards: [] }, value: 0 },
      timestamp: this.#ts,
    });
  }

  /** Deals the round to every seat with a bet, then runs until the first decision (or the end). */
  deal(): void {
    if (this.#stage !== "PLACING_BETS") throw new EngineError("WRONG_STAGE", `cannot deal during ${this.#stage}`);
    if (this.#sink) this.#ts = this.#clock();
    this.#round = seatsInRound(this.#order);
    if (this.#round.length === 0) throw new EngineError("NO_BETS", "nobody has bet");
    this.#stage = "DEALING";
    for (let pass = 0; pass < 2; pass++) {
      for (const seat of this.#round) this.#dealToHand(seat, seat.hands[0] as Hand);
      this.#dealToDealer(pass === 1);
    }
    for (const seat of this.#round) {
      const h = seat.hands[0] as Hand;
      if (h.isNatural) h.done = true;
    }
    this.#uiUpdate();
    const up = this.#dealer.cards[0] as Card;
    if (this.rules.insurance && up % 13 === 0) {
      this.#stage = "INSURANCE";
      this.#insuranceQueue = this.#round.filter((s) => (s.hands[0] as Hand).isNatural || s.balance >= insuranceCost(s));
    } else {
      this.#peek();
    }
    this.#advance();
  }

  /** Answers the pending decision. Throws EngineError when it is not this player's turn or the action is not valid. */
  act(playerId: string, action: Action): void {
    const d = this.#decision;
    if (!d) throw new EngineError("NOT_YOUR_TURN", "no decision is pending");
    if (d.playerId !== playerId) throw new EngineError("NOT_YOUR_TURN", `waiting for ${d.playerName}, not ${playerId}`);
    if (!d.validActions.includes(action)) {
      throw new EngineError("INVALID_ACTION", `${action} is not one of ${d.validActions.join(", ")}`);
    }
    if (this.#sink) this.#ts = this.#clock();
    this.#decision = undefined;
    // The seat asked (it cannot leave while it has a hand in the round).
    const seat = this.#decisionSeat as Seat;
    if (d.kind === "insurance") this.#applyInsurance(seat, action as InsuranceAction);
    else this.#applyPlay(seat, this.#currentHand() as Hand, action as PlayAction);
    this.#advance();
  }

  /** The public view: the hole card stays hidden until CARD_REVEALED. */
  publicState(): PublicState {
    return this.#snapshot().state;
  }

  /** What the table shows now, captured without building it (UI_UPDATE_NEEDED builds it on first read). */
  #snapshot(): UiSnapshot {
    const order = this.#order;
    let size = 0;
    for (let i = 0; i < order.length; i++) size += 2 + 2 * (order[i] as Seat).hands.length;
    const seats = new Array<number | Hand[]>(size);
    let k = 0;
    for (let i = 0; i < order.length; i++) {
      const s = order[i] as Seat;
      const hands = s.hands;
      seats[k++] = s.balance;
      seats[k++] = hands;
      for (let j = 0; j < hands.length; j++) {
        const h = hands[j] as Hand;
        seats[k++] = h.cards.length;
        seats[k++] = h.stake;
      }
    }
    return new UiSnapshot(
      this.#ts,
      this,
      this.#roundId,
      this.#roundNumber,
      this.#stage,
      this.#dealer,
      this.#holeRevealed,
      this.#decision,
      order,
      seats,
    );
  }

  // ---- round flow ----

  #advance(): void {
    while (!this.#decision) {
      if (this.#stage === "INSURANCE") {
        const seat = this.#insuranceQueue.shift();
        if (seat) {
          this.#offerInsurance(seat);
          return;
        }
        this.#peek();
      } else if (this.#stage === "PLAYER_TURN") {
        const hand = this.#nextOpenHand();
        if (hand) {
          const seat = this.#round[this.#seatCursor] as Seat;
          const valid = validPlayActions(hand, this.rules, seat.hands.length, seat.balance);
          this.#ask(seat, hand, "play", valid);
          return;
        }
        this.#stage = "DEALER_TURN";
      } else if (this.#stage === "DEALER_TURN") {
        if (this.#earlyPhase) {
          this.#reveal();
          this.#settle(true);
          return;
        }
        this.#dealerTurn();
        this.#settle(false);
      } else {
        return;
      }
    }
  }

  #offerInsurance(seat: Seat): void {
    const hand = seat.hands[0] as Hand;
    if (this.#sink) {
      this.#emit("INSURANCE_OFFERED", {
        game_id: this.gameId,
        round_id: this.#roundId as string,
        player_id: seat.id,
        player_name: seat.name,
        hand_id: hand.id,
        amount: hand.isNatural ? 0 : fromCents(insuranceCost(seat)),
        even_money: hand.isNatural,
        timestamp: this.#ts,
      });
    }
    this.#ask(seat, hand, "insurance", ["INSURANCE", "NO_INSURANCE"]);
  }

  #ask(seat: Seat, hand: Hand, kind: "play" | "insurance", validActions: Action[]): void {
    this.#decisionSeat = seat;
    this.#decision = {
      kind,
      playerId: seat.id,
      playerName: seat.name,
      handId: hand.id,
      validActions,
      cards: hand.cards,
      dealerUpcard: this.#dealer.cards[0] as Card,
      handCount: seat.hands.length,
    };
    if (this.#sink) {
      this.#emit("PLAYER_DECISION_NEEDED", {
        game_id: this.gameId,
        round_id: this.#roundId as string,
        player_id: seat.id,
        player_name: seat.name,
        hand_id: hand.id,
        decision: kind,
        valid_actions: validActions,
        timestamp: this.#ts,
      });
    }
  }

  #applyInsurance(seat: Seat, action: InsuranceAction): void {
    const hand = seat.hands[0] as Hand;
    let amount = 0;
    if (action === "INSURANCE") {
      if (hand.isNatural) {
        hand.evenMoney = true; // paid 1:1 at settlement whatever the dealer has
      } else {
        amount = insuranceCost(seat);
        seat.insurance = amount;
        seat.balance -= amount;
        seat.net -= amount;
      }
    }
    if (this.#sink) {
      this.#emit("INSURANCE_DECISION", {
        game_id: this.gameId,
        round_id: this.#roundId as string,
        player_id: seat.id,
        player_name: seat.name,
        hand_id: hand.id,
        action,
        amount: fromCents(amount),
        even_money: hand.isNatural,
        timestamp: this.#ts,
      });
    }
  }

  /** After insurance: the dealer checks under an ace or ten; a blackjack ends the round at once. */
  #peek(): void {
    const up = this.#dealer.cards[0] as Card;
    const mayHaveBlackjack = pointValue(up) === 10 || up % 13 === 0;
    if (this.rules.earlySurrender && mayHaveBlackjack && this.#dealer.total === 21) {
      // Early surrender: every hand gets its first answer before the natural counts.
      this.#earlyPhase = true;
    } else if (this.rules.dealerPeek && mayHaveBlackjack && this.#dealer.total === 21) {
      this.#reveal();
      this.#settle(true);
      return;
    }
    this.#stage = "PLAYER_TURN";
    this.#seatCursor = 0;
    this.#handCursor = 0;
  }

  #applyPlay(seat: Seat, hand: Hand, action: PlayAction): void {
    if (this.#earlyPhase && action !== "SURRENDER") {
      // The dealer's natural is already there: the hand stands on its original stake.
      hand.done = true;
      this.#emitAction(seat, "STAND", hand.id, hand.total);
      return;
    }
    switch (action) {
      case "HIT":
        this.#dealToHand(seat, hand);
        this.#checkHand(seat, hand);
        break;
      case "STAND":
        hand.done = true;
        break;
      case "DOUBLE":
        seat.balance -= hand.stake;
        seat.net -= hand.stake;
        hand.stake *= 2;
        hand.doubled = true;
        this.#dealToHand(seat, hand);
        this.#checkHand(seat, hand);
        hand.done = true;
        break;
      case "SPLIT": {
        seat.balance -= hand.stake;
        seat.net -= hand.stake;
        const a = new Hand(this.#newHandId(), hand.stake, true);
        const b = new Hand(this.#newHandId(), hand.stake, true);
        a.add(hand.cards[0] as Card);
        b.add(hand.cards[1] as Card);
        // A new list (never changed in place): snapshots keep the one they saw.
        const at = seat.hands.indexOf(hand);
        seat.hands = [...seat.hands.slice(0, at), a, b, ...seat.hands.slice(at + 1)];
        if (this.#sink) {
          this.#emit("HAND_SPLIT", {
            game_id: this.gameId,
            round_id: this.#roundId as string,
            player_id: seat.id,
            player_name: seat.name,
            original_hand_id: hand.id,
            new_hand1_id: a.id,
            new_hand2_id: b.id,
            timestamp: this.#ts,
          });
        }
        for (const h of [a, b]) {
          this.#dealToHand(seat, h);
          if (h.total === 21) h.done = true;
          // Split aces take one card each; they stay open only to resplit (or hit, if allowed).
          else if (h.isSplitAces && !this.rules.hitSplitAces && !(this.rules.resplitAces && h.isPair)) h.done = true;
        }
        this.#emitAction(seat, action, hand.id, a.total);
        return;
      }
      case "SURRENDER": {
        hand.surrendered = true;
        hand.done = true;
        const refund = mulCents(hand.stake, 0.5);
        seat.balance += refund;
        seat.net += refund;
        break;
      }
    }
    this.#emitAction(seat, action, hand.id, hand.total);
  }

  #checkHand(seat: Seat, hand: Hand): void {
    const total = hand.total;
    if (total > 21) {
      hand.busted = true;
      hand.done = true;
      if (this.#sink) {
        this.#emit("HAND_BUSTED", {
          game_id: this.gameId,
          round_id: this.#roundId as string,
          player_id: seat.id,
          player_name: seat.name,
          hand_id: hand.id,
          hand_value: total,
          timestamp: this.#ts,
        });
      }
    } else if (total === 21) {
      hand.done = true;
    }
  }

  #emitAction(seat: Seat, action: PlayAction, handId: string, value: number): void {
    if (!this.#sink) return;
    this.#emit("PLAYER_ACTION", {
      game_id: this.gameId,
      round_id: this.#roundId as string,
      player_id: seat.id,
      player_name: seat.name,
      action,
      hand_id: handId,
      hand_value: value,
      next_stage: this.#anyOpenHand() ? "PLAYER_TURN" : "DEALER_TURN",
      timestamp: this.#ts,
    });
  }

  /** A hand the dealer must play against (not busted, surrendered, paid even money or a natural). */
  #anyLiveHand(): boolean {
    for (const s of this.#round)
      for (const h of s.hands) if (!h.busted && !h.surrendered && !h.evenMoney && !h.isNatural) return true;
    return false;
  }

  #anyOpenHand(): boolean {
    for (const s of this.#round) for (const h of s.hands) if (!h.done) return true;
    return false;
  }

  #currentHand(): Hand | undefined {
    return this.#round[this.#seatCursor]?.hands[this.#handCursor];
  }

  /** The next hand to play (its seat is `#round[#seatCursor]`). */
  #nextOpenHand(): Hand | undefined {
    for (; this.#seatCursor < this.#round.length; this.#seatCursor++, this.#handCursor = 0) {
      const seat = this.#round[this.#seatCursor] as Seat;
      for (; this.#handCursor < seat.hands.length; this.#handCursor++) {
        const hand = seat.hands[this.#handCursor] as Hand;
        if (!hand.done) return hand;
      }
    }
    return undefined;
  }

  #dealerTurn(): void {
    this.#reveal();
    if (!this.#anyLiveHand()) return;
    const h17 = this.rules.dealerHitsSoft17;
    const dealer = this.#dealer;
    for (;;) {
      const total = dealer.total;
      if (!dealerDraws(total, isSoft(dealer.hard, dealer.aces), h17)) break;
      const before = total;
      const card = this.#draw();
      dealer.add(card);
      this.#observer?.card(card);
      if (this.#sink) {
        const after = dealer.total;
        this.#emit("CARD_DEALT", {
          game_id: this.gameId,
          round_id: this.#roundId as string,
          card: cardToString(card),
          is_dealer: true,
          is_hole_card: false,
          hand_value_before: before,
          hand_value_after: after,
          timestamp: this.#ts,
        });
        this.#emit("DEALER_ACTION", {
          game_id: this.gameId,
          round_id: this.#roundId as string,
          action: "HIT",
          hand_value: after,
          busted: after > 21,
          timestamp: this.#ts,
        });
      }
    }
    if (this.#sink) {
      const total = dealer.total;
      this.#emit("DEALER_ACTION", {
        game_id: this.gameId,
        round_id: this.#roundId as string,
        action: "STAND",
        hand_value: total,
        busted: total > 21,
        timestamp: this.#ts,
      });
    }
  }

  #reveal(): void {
    this.#holeRevealed = true;
    this.#observer?.card(this.#dealer.cards[1] as Card);
    if (!this.#sink) return;
    this.#emit("CARD_REVEALED", {
      game_id: this.gameId,
      round_id: this.#roundId as string,
      card: cardToString(this.#dealer.cards[1] as Card),
      is_dealer: true,
      hand_value: this.#dealer.total,
      is_blackjack: this.#dealer.isNatural,
      timestamp: this.#ts,
    });
    this.#uiUpdate();
  }

  #settle(dealerBlackjack: boolean): void {
    const dealerTotal = this.#dealer.total;
    const dealerBj = this.#dealer.isNatural;
    const settled = this.#settlement;
    for (const seat of this.#round) {
      if (dealerBj && seat.insurance > 0) this.#payInsurance(seat);
      for (const h of seat.hands) {
        settleHand(h, dealerTotal, dealerBj, this.rules.blackjackPays, settled);
        const result = settled.result;
        const payout = settled.payout;
        const total = h.total;
        this.#onHandSettled?.(seat.id, {
          result,
          blackjack: h.isNatural && !dealerBj,
          busted: h.busted,
          surrendered: h.surrendered,
          doubled: h.doubled,
          fromSplit: h.fromSplit,
          stakeCents: h.stake,
          payoutCents: payout,
        });
        if (!h.surrendered) {
          seat.balance += payout;
          seat.net += payout;
        }
        if (this.#sink) {
          this.#emit("HAND_RESULT", {
            game_id: this.gameId,
            round_id: this.#roundId as string,
            player_id: seat.id,
            player_name: seat.name,
            hand_id: h.id,
            result,
            payout: fromCents(payout),
            bet: fromCents(h.stake),
            blackjack: h.isNatural && !dealerBj,
            hand_value: total,
            dealer_value: dealerTotal,
            timestamp: this.#ts,
          });
        }
      }
      if (this.#sink) {
        this.#emit("BANKROLL_UPDATED", {
          game_id: this.gameId,
          player_id: seat.id,
          player_name: seat.name,
          balance: fromCents(seat.balance),
          timestamp: this.#ts,
        });
      }
    }
    this.#stage = "END_ROUND";
    this.#uiUpdate();
    if (!this.#sink) return;
    const results: Record<string, { name: string; balance: number; net: number }> = {};
    for (const s of this.#round) results[s.id] = { name: s.name, balance: fromCents(s.balance), net: fromCents(s.net) };
    const dealerHand = { hand: { cards: cardStrings(this.#dealer.cards) }, value: dealerTotal };
    // Two literals rather than a spread: same keys in the same order, without a dictionary-mode object.
    this.#emit(
      "ROUND_ENDED",
      dealerBlackjack
        ? {
            game_id: this.gameId,
            round_id: this.#roundId as string,
            round_number: this.#roundNumber,
            dealer_blackjack: true as const,
            results,
            dealer: dealerHand,
            timestamp: this.#ts,
          }
        : {
            game_id: this.gameId,
            round_id: this.#roundId as string,
            round_number: this.#roundNumber,
            results,
            dealer: dealerHand,
            timestamp: this.#ts,
          },
    );
  }

  #payInsurance(seat: Seat): void {
    const paid = seat.insurance + mulCents(seat.insurance, this.rules.insurancePays);
    seat.balance += paid;
    seat.net += paid;
    if (!this.#sink) return;
    this.#emit("MONEY_PAYOUT", {
      game_id: this.gameId,
      round_id: this.#roundId as string,
      player_id: seat.id,
      player_name: seat.name,
      reason: "insurance",
      amount: fromCents(paid),
      timestamp: this.#ts,
    });
  }

  // ---- cards ----

  #draw(): Card {
    let card = this.shoe.draw();
    if (card === undefined) {
      // The shoe ran dry mid-round (many seats, few decks): reshuffle what is not on the table.
      this.#shuffle([...this.#dealer.cards, ...this.#round.flatMap((s) => s.hands.flatMap((h) => h.cards))]);
      card = this.shoe.draw() as Card;
    }
    return card;
  }

  #shuffle(exclude: Card[] = []): void {
    this.shoe.shuffle(exclude);
    this.#observer?.shuffle();
    if (this.rules.burnCards > 0 && exclude.length === 0) this.shoe.burn(this.rules.burnCards);
    if (this.#sink) {
      this.#emit("SHUFFLE", {
        game_id: this.gameId,
        deck_count: this.rules.decks,
        cards_remaining: this.shoe.remaining,
        timestamp: this.#ts,
      });
    }
  }

  #dealToHand(seat: Seat, hand: Hand): void {
    const before = hand.total;
    const card = this.#draw();
    hand.add(card);
    this.#observer?.card(card);
    if (this.#sink) {
      this.#emit("CARD_DEALT", {
        game_id: this.gameId,
        round_id: this.#roundId as string,
        player_id: seat.id,
        player_name: seat.name,
        card: cardToString(card),
        is_dealer: false,
        hand_id: hand.id,
        hand_value_before: hand.cards.length === 1 ? 0 : before,
        hand_value_after: hand.total,
        timestamp: this.#ts,
      });
    }
  }

  #dealToDealer(hole: boolean): void {
    const before = this.#dealer.total;
    const card = this.#draw();
    this.#dealer.add(card);
    if (!hole) this.#observer?.card(card);
    if (this.#sink) {
      // The hole card goes out face down: no card, and the value the table can see.
      this.#emit("CARD_DEALT", {
        game_id: this.gameId,
        round_id: this.#roundId as string,
        card: hole ? null : cardToString(card),
        is_dealer: true,
        is_hole_card: hole,
        hand_value_before: before,
        hand_value_after: hole ? before : this.#dealer.total,
        timestamp: this.#ts,
      });
    }
  }

  #uiUpdate(): void {
    if (this.#sink && this.#ui) this.#emit("UI_UPDATE_NEEDED", this.#snapshot());
  }

  #seat(id: string): Seat {
    const s = this.#seats.get(id);
    if (!s) throw new EngineError("UNKNOWN_PLAYER", `no player ${id}`);
    return s;
  }

  #newHandId(): string {
    return `${this.#roundId ?? "0"}-${decimal(++this.#handSeq)}`;
  }

  #emit<K extends EngineEventType>(type: K, data: EventPayload<K>): void {
    (this.#sink as EventSink)(type, data);
  }
}

/**
 * `key` as V8 keeps property names (an internalized string, same value). A seat id names its entry in
 * ROUND_ENDED's `results`; an id built at run time (`player-${n}`, a parsed message) is not internalized, and
 * every store under it looks it up in the string table first (30 ns against 13 ns for the whole store).
 */
function propertyKey(key: string): string {
  // Only strings: an id of another type from untyped callers stays what it was.
  return typeof key === "string" ? (Object.keys({ [key]: 0 })[0] as string) : key;
}

/** The hands of a seat between rounds: shared, as hand lists are replaced, never changed in place. */
const NO_HANDS: Hand[] = [];
/** The seats in a round before the deal (the deal makes the round's own list). */
const NO_SEATS: Seat[] = [];

/**
 * The seats of `order` with a bet, in order (a loop: no closure, an array of the right size). When every seat
 * bet, `order` itself: neither list is ever changed in place (a join or a leave replaces `order`).
 */
function seatsInRound(order: Seat[]): Seat[] {
  let n = 0;
  for (let i = 0; i < order.length; i++) if ((order[i] as Seat).inRound) n++;
  if (n === order.length) return order;
  const out = new Array<Seat>(n);
  n = 0;
  for (let i = 0; i < order.length; i++) if ((order[i] as Seat).inRound) out[n++] = order[i] as Seat;
  return out;
}

/** Card strings of `cards`, in order (a loop: no closure, an array of the right size). */
function cardStrings(cards: readonly Card[], count = cards.length): string[] {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = cardToString(cards[i] as Card);
  return out;
}

/** The total of the first `count` cards. */
function totalOf(cards: readonly Card[], count: number): number {
  let hard = 0;
  let aces = 0;
  for (let i = 0; i < count; i++) {
    const c = cards[i] as Card;
    hard += pointValue(c);
    if (c % 13 === 0) aces++;
  }
  return handTotal(hard, aces);
}

/**
 * UI_UPDATE_NEEDED's payload: the table as it was when the event was emitted. What can change later (balances,
 * stakes, how many cards a hand holds) is copied at emission; the rest is shared with the engine, which never
 * changes it in place (a round's hands, card lists that only grow, seat and hand lists replaced, not edited).
 * `state` is built on first read and kept; `JSON.stringify` writes `{ state, timestamp }` as before, so a
 * snapshot nobody reads (a listener for other events, a socket not subscribed to it) costs a few numbers.
 */
class UiSnapshot {
  readonly timestamp: number;
  readonly #engine: BlackjackEngine;
  readonly #roundId: string | null;
  readonly #roundNumber: number;
  readonly #stage: GameStage;
  readonly #dealer: Hand;
  readonly #dealerCount: number;
  readonly #revealed: boolean;
  readonly #decision: Decision | undefined;
  readonly #order: readonly Seat[];
  /** Per seat: balance (cents), its hands list, then per hand: card count, stake (cents). */
  readonly #seats: ReadonlyArray<number | Hand[]>;
  #state: PublicState | undefined;

  /** @internal */
  constructor(
    timestamp: number,
    engine: BlackjackEngine,
    roundId: string | null,
    roundNumber: number,
    stage: GameStage,
    dealer: Hand,
    revealed: boolean,
    decision: Decision | undefined,
    order: readonly Seat[],
    seats: ReadonlyArray<number | Hand[]>,
  ) {
    this.timestamp = timestamp;
    this.#engine = engine;
    this.#roundId = roundId;
    this.#roundNumber = roundNumber;
    this.#stage = stage;
    this.#dealer = dealer;
    this.#dealerCount = dealer.cards.length;
    this.#revealed = revealed;
    this.#decision = decision;
    this.#order = order;
    this.#seats = seats;
  }

  /** The public table view (the hole card hidden until revealed), built once on first read. */
  get state(): PublicState {
    if (this.#state === undefined) this.#state = this.#build();
    return this.#state;
  }

  toJSON(): { state: PublicState; timestamp: number } {
    return { state: this.state, timestamp: this.timestamp };
  }

  #build(): PublicState {
    const cards = this.#dealer.cards;
    const count = this.#dealerCount;
    const revealed = this.#revealed;
    // The hole card stays hidden until revealed: only the up card shows (an ace counts 11).
    const visible = revealed ? count : Math.min(count, 1);
    const up = cards[0] as Card;
    const value = revealed ? totalOf(cards, count) : visible === 0 ? 0 : up % 13 === 0 ? 11 : pointValue(up);
    const order = this.#order;
    const seats = this.#seats;
    const players: PublicState["players"] = new Array(order.length);
    let k = 0;
    for (let i = 0; i < order.length; i++) {
      const s = order[i] as Seat;
      const balance = seats[k++] as number;
      const list = seats[k++] as Hand[];
      const hands: PublicState["players"][number]["hands"] = new Array(list.length);
      for (let j = 0; j < list.length; j++) {
        const h = list[j] as Hand;
        const n = seats[k++] as number;
        const stake = seats[k++] as number;
        hands[j] = { hand_id: h.id, cards: cardStrings(h.cards, n), value: totalOf(h.cards, n), bet: fromCents(stake) };
      }
      players[i] = { player_id: s.id, name: s.name, balance: fromCents(balance), hands };
    }
    const d = this.#decision;
    const rules = this.#engine.rules;
    return {
      game_id: this.#engine.gameId,
      round_id: this.#roundId,
      round_number: this.#roundNumber,
      stage: this.#stage,
      min_bet: rules.minBet,
      max_bet: rules.maxBet,
      dealer: { hand: cardStrings(cards, visible), value, hide_second_card: count > 1 && !revealed },
      players,
      current: d ? { player_id: d.playerId, hand_id: d.handId, decision: d.kind } : null,
    };
  }
}

/** Half the stake, in cents. */
function insuranceCost(seat: Seat): number {
  return mulCents((seat.hands[0] as Hand).stake, 0.5);
}

function makeId(random: Random): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `game-${Math.floor(random() * 2 ** 32).toString(16)}`;
}
