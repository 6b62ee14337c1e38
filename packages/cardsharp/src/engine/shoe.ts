import type { Card } from "./cards.js";
import type { Random } from "./rng.js";

/**
 * N decks shuffled with Fisher-Yates from a seeded RNG. The cut card sits at `penetration` of the
 * shoe; the engine reshuffles between rounds once it is reached (and mid-round only if the shoe runs dry).
 */
export class Shoe {
  readonly decks: number;
  readonly penetration: number;
  readonly #random: Random;
  #cards: Card[] = [];
  #next = 0;
  /** Cards put on top by `stack()`, dealt before the shuffled shoe (tests, demos). */
  #stacked: Card[] = [];

  constructor(decks: number, penetration: number, random: Random) {
    this.decks = decks;
    this.penetration = penetration;
    this.#random = random;
    this.shuffle();
  }

  get size(): number {
    return this.decks * 52;
  }

  /** Cards left before the shoe is empty (stacked cards included). */
  get remaining(): number {
    return this.#cards.length - this.#next + this.#stacked.length;
  }

  /** True once the cut card has come out. */
  get needsShuffle(): boolean {
    return this.#next >= this.size * this.penetration;
  }

  /** Decks not yet dealt, for the true count. */
  get decksRemaining(): number {
    return this.remaining / 52;
  }

  shuffle(exclude: readonly Card[] = []): void {
    const size = this.decks * 52;
    // The same array every shuffle (a fresh one only when the size changes or cards are excluded).
    let cards = this.#cards;
    if (cards.length !== size || exclude.length > 0) cards = new Array<Card>(size);
    let n = 0;
    for (let d = 0; d < this.decks; d++) for (let c = 0; c < 52; c++) cards[n++] = c;
    // Cards still on the table (mid-round reshuffle) are not in the new shoe.
    if (exclude.length > 0) {
      for (const c of exclude) {
        const i = cards.indexOf(c);
        if (i >= 0) cards.splice(i, 1);
      }
    }
    for (let i = cards.length - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      const t = cards[i] as Card;
      cards[i] = cards[j] as Card;
      cards[j] = t;
    }
    this.#cards = cards;
    this.#next = 0;
  }

  /** Discards `n` cards face down (after a shuffle); stacked cards are not burned. */
  burn(n: number): void {
    this.#next = Math.min(this.#cards.length, this.#next + n);
  }

  /** Next card, or undefined when the shoe is empty. */
  draw(): Card | undefined {
    if (this.#stacked.length > 0) return this.#stacked.shift();
    if (this.#next >= this.#cards.length) return undefined;
    return this.#cards[this.#next++];
  }

  /** Puts `cards` on top of the shoe, dealt in the given order. */
  stack(cards: readonly Card[]): void {
    this.#stacked.push(...cards);
  }
}
