/**
 * Cards are small integers (0..51) so the engine can deal 100k+ hands a second without allocating;
 * strings like "A♠" or "10♥" (upstream's `f"{rank}{suit}"`) are only built for events.
 */
export type Card = number;

export const RANKS = ["A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K"] as const;
export const SUITS = ["♠", "♥", "♦", "♣"] as const;
export type Rank = (typeof RANKS)[number];

const SUIT_LETTERS: Record<string, number> = { S: 0, H: 1, D: 2, C: 3, "♠": 0, "♥": 1, "♦": 2, "♣": 3 };

/** 0 = ace ... 12 = king. */
export function rankIndex(card: Card): number {
  return card % 13;
}

export function rankOf(card: Card): Rank {
  return RANKS[card % 13] as Rank;
}

/** Blackjack point value with aces as 1 (soft totals add 10 later). */
export function pointValue(card: Card): number {
  const r = card % 13;
  return r >= 9 ? 10 : r + 1;
}

/** The 52 card strings, built once (events name a card per CARD_DEALT). */
const CARD_STRINGS: readonly string[] = Array.from({ length: 52 }, (_, c) => `${RANKS[c % 13]}${SUITS[(c / 13) | 0]}`);

export function cardToString(card: Card): string {
  return CARD_STRINGS[card] as string;
}

/** The cards as events name them ("A♠", "10♥"), for parsing those without a regular expression. */
const CARD_BY_STRING: ReadonlyMap<string, Card> = new Map(CARD_STRINGS.map((s, c) => [s, c]));

/** Parses "A♠", "10♥", "Ks", "td" (t = ten) or a bare rank (spades assumed). */
export function parseCard(text: string): Card {
  const known = CARD_BY_STRING.get(text);
  if (known !== undefined) return known;
  const m = /^(10|[2-9]|[AJQKT])([SHDC♠♥♦♣])?$/i.exec(text.trim());
  if (!m) throw new RangeError(`not a card: ${JSON.stringify(text)}`);
  const rankText = (m[1] as string).toUpperCase() === "T" ? "10" : (m[1] as string).toUpperCase();
  const r = RANKS.indexOf(rankText as Rank);
  const s = m[2] ? (SUIT_LETTERS[m[2].toUpperCase()] ?? 0) : 0;
  return s * 13 + r;
}

/** Parses a whitespace- or comma-separated list of cards. */
export function parseCards(text: string): Card[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(parseCard);
}
