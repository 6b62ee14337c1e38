// Money is reckoned in whole cents: every amount the engine keeps is a whole number of cents, and each sum,
// difference and payout is computed on integer cents, so balances never drift (0.1 + 0.2 problems) and go on
// the wire as exact two-decimal amounts (`c / 100` is the double nearest the decimal, which JSON prints as is).

/** `amount` in whole cents (rounded to the nearest cent). */
export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

/** Whole cents as an amount. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** Whether `amount` has at most two decimals (bets with more are refused). */
export function isWholeCents(amount: number): boolean {
  return Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6;
}

/** `a + b`, exact to the cent. */
export function addMoney(a: number, b: number): number {
  return fromCents(toCents(a) + toCents(b));
}

/** `a - b`, exact to the cent. */
export function subMoney(a: number, b: number): number {
  return fromCents(toCents(a) - toCents(b));
}

/** `amount * factor` (a payout ratio such as 1.5 or 1.2), rounded down to the cent (the house keeps fractions). */
export function mulMoney(amount: number, factor: number): number {
  return fromCents(Math.floor(toCents(amount) * factor + 1e-6));
}
