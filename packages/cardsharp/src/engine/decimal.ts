/** "0" ... "999". */
const SMALL: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i));
/** "000" ... "999". */
const TRIPLES: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/**
 * `String(n)` for a whole number `n >= 0`, built from two tables instead of V8's number-to-string cache. The
 * engine names every round and hand with a counter: through `String(n)` each new id lands in that cache, an
 * old-generation table, which keeps every recent id alive through young-generation collections (thousands of
 * strings copied and promoted per scavenge, and scavenges that take milliseconds instead of microseconds).
 */
export function decimal(n: number): string {
  if (n < 1000) return SMALL[n] as string;
  if (n < 1_000_000) {
    // Below a million (every id of a long run but the longest): integer arithmetic and no recursive call.
    const high = (n / 1000) | 0;
    return (SMALL[high] as string) + (TRIPLES[n - high * 1000] as string);
  }
  const high = Math.floor(n / 1000);
  return decimal(high) + (TRIPLES[n % 1000] as string);
}
