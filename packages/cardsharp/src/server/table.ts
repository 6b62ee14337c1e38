import { CodedError } from "@proj/ws-core";
import { decimal } from "../engine/decimal.js";
import { BlackjackEngine, type Decision, type EngineOptions } from "../engine/engine.js";
import type { Action, EngineEventType, EventPayload, PublicState } from "../engine/events.js";
import { type ErrorCode, nowSeconds, type SeatInfo } from "../protocol/messages.js";
import { type BotKind, createBot, type Bot } from "./bots.js";
import type { EventBus } from "./event-bus.js";
import { DEFAULT_TIMINGS, realTimers, type TableTimings, type Timers } from "./timers.js";

/** A refusal of a seat or action request (mapped to an `error` reply on the wire). */
export class TableError extends CodedError<ErrorCode> {
  override name = "TableError";
}

/** A decision waiting for a human seat. */
export interface PendingRequest {
  requestId: string;
  playerId: string;
  playerName: string;
  ownerId: string;
  decision: Decision;
  timeoutMs: number;
}

/** Where the table sends human decisions (the WebAdapter delivers them as `action_request`). */
export interface PlatformAdapter {
  requestPlayerAction(request: PendingRequest): void;
}

interface HumanSeat {
  kind: "human";
  playerId: string;
  ownerId: string;
  connected: boolean;
  holdTimer?: unknown;
  /** Answers a pending decision with its default once the gone owner's grace (`disconnectGraceMs`) is over. */
  graceTimer?: unknown;
  leaving: boolean;
  /** Whether this seat ever placed a bet: a seat that never did is not held for its owner (see `#releaseIdle`). */
  hasBet: boolean;
}
interface BotSeat {
  kind: "bot";
  playerId: string;
  bot: Bot;
  leaving: boolean;
}
type Seat = HumanSeat | BotSeat;

export interface TableOptions extends Omit<EngineOptions, "onEvent"> {
  bus: EventBus;
  adapter?: PlatformAdapter;
  /** Bot seats to fill at start (basic strategy unless `botKind`). */
  bots?: number;
  botKind?: BotKind;
  /** Most seats, bots included. Default 7. */
  maxSeats?: number;
  /** Bankroll of a new human seat. Default 1000. */
  startingBalance?: number;
  /** Bankroll of a bot; a broke bot buys back in to this. Default 1000. */
  botBalance?: number;
  timings?: Partial<TableTimings>;
  timers?: Timers;
  /** Bankroll of a new human seat for `ownerId` when known elsewhere (a cluster's Redis); else `startingBalance`. */
  balanceFor?: (ownerId: string) => number | undefined;
  /** Awaited after each round, before the next opens (a cluster makes the round's settlement durable here). */
  beforeNextRound?: () => Promise<void>;
}

/**
 * A table that runs rounds continuously while any seat is occupied: bots bet and play at once, humans
 * (seats claimed by a client id) bet with `placeBet` and answer requests with `answer`, with a decision
 * timeout that emits PLAYER_TIMEOUT and plays STAND. Engine events go to the bus.
 */
export class BlackjackTable {
  readonly engine: BlackjackEngine;
  readonly bus: EventBus;
  readonly timings: TableTimings;
  adapter: PlatformAdapter | undefined;
  readonly #timers: Timers;
  readonly #seats = new Map<string, Seat>();
  readonly #byOwner = new Map<string, HumanSeat>();
  readonly #maxSeats: number;
  readonly #startingBalance: number;
  readonly #botBalance: number;
  readonly #balanceFor: ((ownerId: string) => number | undefined) | undefined;
  readonly #beforeNextRound: (() => Promise<void>) | undefined;
  #pending: (PendingRequest & { resolve: (a: Action) => void }) | undefined;
  /**
   * The loop's one deadline (it either sleeps or waits for a decision, never both): when it is due and what
   * then runs. Checked lazily by `#deadlineTimer`, which is re-armed only when it would fire too late.
   */
  #deadlineAt = 0;
  #deadlineFire: (() => void) | undefined;
  #deadlineTimer: unknown;
  #deadlineTimerAt = 0;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #botSeq = 0;
  /** Bot seats: engine events go to their `observe` (none at a table of humans). */
  #bots = 0;
  #requestSeq = 0;
  #roundStarted: EventPayload<"ROUND_STARTED"> | undefined;

  constructor(options: TableOptions) {
    this.bus = options.bus;
    this.adapter = options.adapter;
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.#timers = options.timers ?? realTimers;
    this.#maxSeats = options.maxSeats ?? 7;
    this.#startingBalance = options.startingBalance ?? 1000;
    this.#botBalance = options.botBalance ?? 1000;
    this.#balanceFor = options.balanceFor;
    this.#beforeNextRound = options.beforeNextRound;
    this.engine = new BlackjackEngine({
      ...options,
      onEvent: <K extends EngineEventType>(type: K, data: EventPayload<K>) => this.#onEngineEvent(type, data),
    });
    this.engine.start();
    for (let i = 0; i < (options.bots ?? 0); i++) this.addBot(options.botKind ?? "basic");
  }

  get running(): boolean {
    return this.#running;
  }

  /** The open round's ROUND_STARTED payload while bets are taken, else undefined. */
  get openRound(): EventPayload<"ROUND_STARTED"> | undefined {
    return this.engine.stage === "PLACING_BETS" ? this.#roundStarted : undefined;
  }

  /** The decision waiting for a human, if any. */
  get pending(): PendingRequest | undefined {
    return this.#pending;
  }

  get seatCount(): number {
    return this.#seats.size;
  }

  /** Starts the round loop (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run().catch((err) => {
      this.#running = false;
      this.bus.emit("ERROR", { message: String((err as Error)?.message ?? err), timestamp: nowSeconds() });
    });
  }

  /** Stops after the current step; a pending human decision is answered with its default. */
  async stop(): Promise<void> {
    if (this.#running) this.bus.emit("ENGINE_SHUTDOWN", { timestamp: nowSeconds() });
    this.#running = false;
    this.#resolvePending();
    this.#wake?.();
    for (const s of this.#byOwner.values()) this.#clearHold(s);
    await this.#loop;
    this.#deadlineFire = undefined;
    if (this.#deadlineTimer !== undefined) this.#timers.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
  }

  addBot(kind: BotKind = "basic", name?: string): string {
    const full = this.#fullError();
    if (full) throw full;
    const n = ++this.#botSeq;
    const playerId = `bot-${n}`;
    const bot = createBot(kind, this.engine.rules);
    const botName = this.#uniqueName(name?.slice(0, 40) || `Bot ${n}`);
    this.engine.addPlayer({ id: playerId, name: botName, balance: this.#botBalance });
    this.#seats.set(playerId, { kind: "bot", playerId, bot, leaving: false });
    this.#bots++;
    this.#wake?.();
    return playerId;
  }

  /** Why `ownerId` could not take a seat now, if anything. */
  checkSeat(ownerId: string): TableError | undefined {
    if (this.#byOwner.has(ownerId)) return new TableError("ALREADY_SEATED", "this client already has a seat");
    return this.#fullError();
  }

  /**
   * Seats a human for `ownerId` (a client id). `away`: the owner is not here yet (a seat restored by a
   * cluster takeover): held for `seatHoldMs` like the seat of an owner who has bet and gone.
   */
  seatHuman(ownerId: string, name?: string, options: { away?: boolean } = {}): SeatInfo {
    const refused = this.checkSeat(ownerId);
    if (refused) throw refused;
    const playerId = `player-${ownerId}`;
    const playerName = name?.slice(0, 40) ? this.#uniqueName(name.slice(0, 40)) : this.#defaultName();
    this.engine.addPlayer({
      id: playerId,
      name: playerName,
      balance: this.#balanceFor?.(ownerId) ?? this.#startingBalance,
      meta: { client_id: ownerId },
    });
    const seat: HumanSeat = { kind: "human", playerId, ownerId, connected: true, leaving: false, hasBet: false };
    this.#seats.set(playerId, seat);
    this.#byOwner.set(ownerId, seat);
    if (options.away) {
      seat.hasBet = true;
      this.setPresence(ownerId, false);
    }
    this.#wake?.();
    return this.seatOf(ownerId) as SeatInfo;
  }

  /** Whether `ownerId` holds a seat (connected or not). */
  hasSeat(ownerId: string): boolean {
    return this.#byOwner.has(ownerId);
  }

  seatOf(ownerId: string): SeatInfo | undefined {
    const s = this.#byOwner.get(ownerId);
    const p = s && this.engine.player(s.playerId);
    return p && { player_id: p.id, player_name: p.name, balance: p.balance };
  }

  /** Why `ownerId` could not give a seat up now (it has none), if anything. */
  checkRelease(ownerId: string): TableError | undefined {
    return this.#byOwner.has(ownerId) ? undefined : noSeat();
  }

  /** Gives a seat up now, or after the round it is playing. */
  releaseSeat(ownerId: string): void {
    const seat = this.#byOwner.get(ownerId);
    if (!seat) throw noSeat();
    this.#clearHold(seat);
    seat.leaving = true;
    // A seat that leaves mid-round plays the defaults for the rest of it, without waiting.
    if (this.#pending?.ownerId === ownerId) this.#resolvePending();
    this.#removeLeavers();
    this.#wake?.();
  }

  /**
   * A seat owner's socket came or went; a gone owner keeps the seat for `seatHoldMs` if it has ever bet.
   * A seat that never bet is released at the next round (at once while the table waits for a first bet).
   * A gone owner's pending decision is answered with its default (STAND / NO_INSURANCE): at once when
   * `deliberate` (the client said `disconnect`), else after `disconnectGraceMs` unless the owner is back by
   * then (a resumed client gets the open request again). The seat plays the defaults for the rest of the
   * round without being asked while its owner is away.
   */
  setPresence(ownerId: string, connected: boolean, deliberate = false): void {
    const seat = this.#byOwner.get(ownerId);
    if (!seat) return;
    seat.connected = connected;
    this.#clearHold(seat);
    if (!connected) {
      const pending = this.#pending;
      if (pending?.ownerId === ownerId) {
        const grace = this.timings.disconnectGraceMs;
        if (deliberate || grace <= 0) this.#resolvePending();
        else {
          seat.graceTimer = this.#timers.setTimeout(() => {
            seat.graceTimer = undefined;
            if (!seat.connected && this.#pending?.requestId === pending.requestId) this.#resolvePending();
          }, grace);
        }
      }
      seat.holdTimer = this.#timers.setTimeout(() => {
        seat.holdTimer = undefined;
        if (!seat.connected) this.releaseSeat(ownerId);
      }, this.timings.seatHoldMs);
    }
    this.#wake?.();
  }

  /** Checks a bet without placing it (so the wire can refuse before acknowledging). */
  checkBet(ownerId: string, amount: unknown): TableError | undefined {
    const seat = this.#byOwner.get(ownerId);
    if (!seat) return noSeat();
    const refused = this.engine.betError(seat.playerId, amount);
    return refused && new TableError("BET_REJECTED", refused.message);
  }

  placeBet(ownerId: string, amount: number): void {
    const err = this.checkBet(ownerId, amount);
    if (err) throw err;
    const seat = this.#byOwner.get(ownerId) as HumanSeat;
    this.engine.placeBet(seat.playerId, amount);
    seat.hasBet = true;
    this.#wake?.();
  }

  /** Checks an answer to a pending request without applying it. */
  checkAnswer(ownerId: string, requestId: unknown, action: unknown): TableError | undefined {
    const p = this.#pending;
    if (!p || p.requestId !== requestId) return new TableError("STALE_REQUEST", "unknown or stale request_id");
    if (p.ownerId !== ownerId) return new TableError("NOT_YOUR_SEAT", "this request is for another seat");
    if (typeof action !== "string" || !p.decision.validActions.includes(action as Action)) {
      return new TableError("INVALID_ACTION", `action must be one of ${p.decision.validActions.join(", ")}`);
    }
    return undefined;
  }

  answer(ownerId: string, requestId: string, action: Action): void {
    const err = this.checkAnswer(ownerId, requestId, action);
    if (err) throw err;
    this.#resolvePending(action);
  }

  snapshot(): PublicState {
    return this.engine.publicState();
  }

  // ---- the loop ----

  async #run(): Promise<void> {
    while (this.#running) {
      this.#releaseIdle();
      if (this.#seats.size === 0) {
        await this.#sleep();
        continue;
      }
      this.engine.startRound();
      for (const seat of this.#seats.values()) {
        if (seat.kind === "bot") this.#botBet(seat);
      }
      const dealt = await this.#collectBets();
      if (dealt) await this.#playDecisions();
      this.#afterRound();
      if (this.#beforeNextRound) await this.#beforeNextRound();
      if (!this.#running) break;
      // No pause: the next round opens at once when it will wait for a human's bet anyway (its ROUND_STARTED
      // then leaves with this round's last frames); else yield to I/O with setImmediate, not a 0 ms timer
      // (timers round up to 1 ms and more under load).
      if (this.timings.roundPauseMs !== 0 || this.#timers !== realTimers) {
        await this.#sleep(this.timings.roundPauseMs, false);
      } else if (!this.#humanCanBet()) await new Promise((r) => setImmediate(r));
    }
  }

  /** Whether a connected human stays for the next round and can afford its minimum bet. */
  #humanCanBet(): boolean {
    const minBet = this.engine.rules.minBet;
    for (const s of this.#byOwner.values()) {
      if (!s.connected || s.leaving) continue;
      const balance = this.engine.balanceOf(s.playerId);
      if (balance !== undefined && balance >= minBet) return true;
    }
    return false;
  }

  /** Whether a connected human who stays has not bet yet and can afford the minimum (betting waits for it). */
  #humanToBet(): boolean {
    const engine = this.engine;
    const minBet = engine.rules.minBet;
    for (const s of this.#byOwner.values()) {
      if (!s.connected || s.leaving || engine.hasBet(s.playerId)) continue;
      const balance = engine.balanceOf(s.playerId);
      if (balance !== undefined && balance >= minBet) return true;
    }
    return false;
  }

  /** Waits until every connected human has bet (or the betting time ran out with a bet in), then deals. */
  async #collectBets(): Promise<boolean> {
    let deadline: number | undefined;
    let firstBetBy: number | undefined;
    for (;;) {
      if (!this.#running || this.#seats.size === 0) break;
      // Counted in place (no player list per look: the loop looks after every bet).
      const waiting = this.#humanToBet();
      if (this.engine.betCount > 0) {
        deadline ??= this.#timers.now() + this.timings.bettingTimeMs;
        if (!waiting || this.#timers.now() >= deadline) {
          this.engine.deal();
          return true;
        }
        await this.#sleep(deadline - this.#timers.now());
      } else {
        // No bet yet, so no round is under way: seats of gone owners that never bet go now (they would
        // otherwise fill the table for seatHoldMs), then wait for a bet (or for seats to change). While a
        // connected human could bet, the wait has a deadline (betDeadlineMs): then the round is abandoned
        // (nothing to deal) and the next one opens with a fresh ROUND_STARTED.
        if (this.#releaseIdle()) continue;
        if (!waiting) {
          firstBetBy = undefined;
          await this.#sleep();
          continue;
        }
        firstBetBy ??= this.#timers.now() + this.timings.betDeadlineMs;
        if (this.#timers.now() >= firstBetBy) break;
        await this.#sleep(firstBetBy - this.#timers.now());
      }
    }
    this.engine.abandonRound();
    return false;
  }

  async #playDecisions(): Promise<void> {
    for (let d = this.engine.decision; d; d = this.engine.decision) {
      const seat = this.#seats.get(d.playerId);
      let action: Action;
      const only = d.validActions.length === 1 ? d.validActions[0] : undefined;
      if (only !== undefined && seat?.kind !== "bot") {
        // Nothing to choose (e.g. split aces that can be neither hit nor resplit): answered without asking.
        action = only;
      } else if (seat?.kind === "bot") {
        action = seat.bot.decide(d);
        if (!d.validActions.includes(action)) action = defaultAction(d);
        this.bus.emit("STRATEGY_DECISION", {
          player_id: d.playerId,
          player_name: d.playerName,
          hand_id: d.handId,
          action,
          strategy: seat.bot.kind,
          timestamp: nowSeconds(),
        });
      } else if (seat && this.#running && !seat.leaving && seat.connected) {
        action = await this.#askHuman(seat, d);
      } else {
        action = defaultAction(d);
      }
      try {
        this.engine.act(d.playerId, action);
      } catch {
        // Never leave a round stuck: fall back to the default, which is always valid.
        this.engine.act(d.playerId, defaultAction(d));
      }
    }
  }

  #askHuman(seat: HumanSeat, d: Decision): Promise<Action> {
    return new Promise<Action>((resolve) => {
      // One object per decision: the request the adapter sends is the pending one (no copy, no closure).
      const pending = {
        requestId: `${this.engine.gameId}-${decimal(++this.#requestSeq)}`,
        playerId: d.playerId,
        playerName: d.playerName,
        ownerId: seat.ownerId,
        decision: d,
        timeoutMs: this.timings.decisionTimeoutMs,
        resolve,
      };
      this.#pending = pending;
      this.#setDeadline(this.#timers.now() + pending.timeoutMs, this.#onDecisionTimeout);
      this.adapter?.requestPlayerAction(pending);
    });
  }

  /** The pending decision's deadline (settling a request clears it, so it is always the current request's). */
  readonly #onDecisionTimeout = (): void => {
    const p = this.#pending;
    if (!p) return;
    this.bus.emit("PLAYER_TIMEOUT", {
      player_id: p.playerId,
      player_name: p.playerName,
      request_id: p.requestId,
      timestamp: nowSeconds(),
    });
    this.#resolvePending();
  };

  /** Settles the pending request with `action`, or its default (STAND / NO_INSURANCE). */
  #resolvePending(action?: Action): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    this.#deadlineFire = undefined;
    p.resolve(action ?? defaultAction(p.decision));
  }

  #botBet(seat: BotSeat): void {
    const rules = this.engine.rules;
    const p = this.engine.player(seat.playerId);
    if (!p) return;
    if (p.balance < rules.minBet) return;
    this.engine.placeBet(seat.playerId, Math.min(p.balance, seat.bot.bet(rules)));
  }

  #afterRound(): void {
    this.#releaseIdle();
    this.#removeLeavers();
    // A broke bot buys back in so a demo table never empties.
    if (this.#bots === 0) return;
    const rules = this.engine.rules;
    for (const seat of this.#seats.values()) {
      if (seat.kind !== "bot") continue;
      const p = this.engine.player(seat.playerId);
      if (p && p.balance < rules.minBet) {
        this.engine.removePlayer(seat.playerId);
        this.engine.addPlayer({ id: seat.playerId, name: p.name, balance: this.#botBalance });
      }
    }
  }

  /**
   * Releases the seats whose owner is gone and never bet: a client that connects (auto-seated) and leaves
   * must not hold a seat for `seatHoldMs`. Such a seat has nothing to lose (its bankroll is the starting one),
   * and its owner is seated again on return (`autoSeat`, or our client's `join`). Returns whether any went.
   */
  #releaseIdle(): boolean {
    let released = false;
    for (const seat of this.#byOwner.values()) {
      if (seat.connected || seat.hasBet || seat.leaving) continue;
      this.#clearHold(seat);
      seat.leaving = true;
      released = true;
    }
    if (released) this.#removeLeavers();
    return released;
  }

  #removeLeavers(): void {
    let any = false;
    for (const seat of this.#seats.values()) any ||= seat.leaving;
    if (!any) return; // the usual case, after every round: no copy of the seats
    for (const seat of [...this.#seats.values()]) {
      if (!seat.leaving) continue;
      const p = this.engine.player(seat.playerId);
      if (p?.inRound && !this.engine.betweenRounds) continue; // after this round
      this.#seats.delete(seat.playerId);
      if (seat.kind === "bot") this.#bots--;
      if (seat.kind === "human") this.#byOwner.delete(seat.ownerId);
      if (p) this.engine.removePlayer(seat.playerId);
    }
  }

  #onEngineEvent<K extends EngineEventType>(type: K, data: EventPayload<K>): void {
    if (type === "ROUND_STARTED") this.#roundStarted = data as EventPayload<"ROUND_STARTED">;
    if (this.#bots > 0)
      for (const seat of this.#seats.values()) if (seat.kind === "bot") seat.bot.observe?.(type, data);
    this.bus.emit(type, data);
  }

  /** Whether a seated player (human or bot) already goes by `name` (case-insensitive). */
  #nameTaken(name: string): boolean {
    const key = name.toLowerCase();
    return this.engine.players.some((p) => p.name.toLowerCase() === key);
  }

  /** `name`, or `name (2)`, `name (3)`, … : the first one no seated player goes by. */
  #uniqueName(name: string): string {
    if (!this.#nameTaken(name)) return name;
    for (let i = 2; ; i++) {
      const candidate = `${name} (${i})`;
      if (!this.#nameTaken(candidate)) return candidate;
    }
  }

  /** `Player N` with the lowest N no seated player goes by. */
  #defaultName(): string {
    for (let i = 1; ; i++) {
      const candidate = `Player ${i}`;
      if (!this.#nameTaken(candidate)) return candidate;
    }
  }

  #fullError(): TableError | undefined {
    const max = this.#maxSeats;
    return this.#seats.size >= max ? new TableError("TABLE_FULL", `the table has ${max} seats`) : undefined;
  }

  #clearHold(seat: HumanSeat): void {
    if (seat.holdTimer !== undefined) this.#timers.clearTimeout(seat.holdTimer);
    seat.holdTimer = undefined;
    if (seat.graceTimer !== undefined) this.#timers.clearTimeout(seat.graceTimer);
    seat.graceTimer = undefined;
  }

  /** Sleeps until woken (bets, seats, presence, stop) or `ms` passes; `wakeable: false` ignores wakes but not stop. */
  #sleep(ms?: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        if (this.#deadlineFire === done) this.#deadlineFire = undefined;
        this.#wake = undefined;
        resolve();
      };
      if (ms !== undefined) this.#setDeadline(this.#timers.now() + Math.max(0, ms), done);
      this.#wake = wakeable ? done : () => (this.#running ? undefined : done());
    });
  }

  /**
   * Sets the loop's deadline. A timer already armed to fire no later than `at` is kept (it re-arms itself for
   * what is left when it fires early): a table at `--pause-ms 0` asks a decision or waits for a bet every few
   * microseconds, and a setTimeout plus clearTimeout for each cost more than the step itself.
   */
  #setDeadline(at: number, fire: () => void): void {
    this.#deadlineAt = at;
    this.#deadlineFire = fire;
    if (this.#deadlineTimer !== undefined) {
      if (this.#deadlineTimerAt <= at) return;
      this.#timers.clearTimeout(this.#deadlineTimer);
    }
    this.#armDeadlineTimer(at);
  }

  #armDeadlineTimer(at: number): void {
    this.#deadlineTimerAt = at;
    this.#deadlineTimer = this.#timers.setTimeout(this.#onDeadlineTimer, Math.max(0, at - this.#timers.now()));
  }

  readonly #onDeadlineTimer = () => {
    this.#deadlineTimer = undefined;
    const fire = this.#deadlineFire;
    if (!fire) return; // settled before its time: nothing to do, nothing re-armed
    if (this.#timers.now() < this.#deadlineAt) {
      this.#armDeadlineTimer(this.#deadlineAt);
      return;
    }
    this.#deadlineFire = undefined;
    fire();
  };
}

function noSeat(): TableError {
  return new TableError("NO_SEAT", "this client has no seat");
}

function defaultAction(d: Decision): Action {
  if (d.kind === "insurance") return "NO_INSURANCE";
  return d.validActions.includes("STAND") ? "STAND" : (d.validActions[0] as Action);
}
