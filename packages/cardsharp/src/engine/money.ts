// Money is kept as integer cents inside the engine (balances, stakes, insurance, each seat's net): sums,
// differences and payouts are integer arithmetic, so balances never drift (no 0.1 + 0.2 problems). Amounts
// cross the API and the wire as decimals with at most two places (`cents / 100` is the double nearest the
// decimal, which JSON prints exactly: 990.1, 9.9, 1006.66).

/** `amount` in whole cents (rounded to the nearest cent). */
export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

/** Whole cents as a decimal amount. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/** Whether `amount` has at most two decimals (bets with more are refused). */
export function isWholeCents(amount: number): boolean {
  return Number.isFinite(amount) && Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6;
}

/** `cents * factor` (a payout ratio such as 1.5, 1.2 or 0.5), rounded down to the cent (the house keeps fractions). */
export function mulCents(cents: number, factor: number): number {
  return Math.floor(cents * factor + 1e-6);
}
