import { type Card, parseCard, pointValue } from "../cards.js";

/**
 * The Hi-Lo card counter: 2-6 count +1, 10-A count -1. It sees only what the table shows (the hole
 * card once CARD_REVEALED), resets on SHUFFLE, and converts to a true count per deck remaining.
 */
export class HiLoCounter {
  readonly decks: number;
  running = 0;
  seen = 0;

  constructor(decks: number) {
    this.decks = decks;
  }

  observe(card: Card): void {
    const v = pointValue(card);
    if (v >= 2 && v <= 6) this.running++;
    else if (v === 10 || v === 1) this.running--;
    this.seen++;
  }

  reset(): void {
    this.running = 0;
    this.seen = 0;
  }

  /** Running count divided by the decks still in the shoe (at least half a deck). */
  get trueCount(): number {
    const left = Math.max(0.5, (this.decks * 52 - this.seen) / 52);
    return this.running / left;
  }

  /** Feeds one engine event (SHUFFLE, CARD_DEALT, CARD_REVEALED); others are ignored. */
  observeEvent(type: string, data: { card?: string | null } | undefined): void {
    if (type === "SHUFFLE") this.reset();
    else if ((type === "CARD_DEALT" || type === "CARD_REVEALED") && typeof data?.card === "string") {
      this.observe(parseCard(data.card));
    }
  }

  /** Upstream's bet ramp: 1/4/8/12/20 units at true counts <=1, 2, 3, 4, 5+. */
  betUnits(): number {
    const tc = Math.floor(this.trueCount);
    if (tc <= 1) return 1;
    if (tc === 2) return 4;
    if (tc === 3) return 8;
    if (tc === 4) return 12;
    return 20;
  }

  /** Insurance is worth taking at a true count of +3 or more. */
  takeInsurance(): boolean {
    return this.trueCount >= 3;
  }
}
