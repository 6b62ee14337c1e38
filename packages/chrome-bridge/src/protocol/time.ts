/** Wire timestamps are float seconds (as OpenBrowser documents them); the upstream extension sends milliseconds. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** Normalises a peer's timestamp to seconds: values above 1e11 can only be milliseconds. */
export function toSeconds(ts: unknown): number {
  if (typeof ts !== "number" || !Number.isFinite(ts)) return nowSeconds();
  return ts > 1e11 ? ts / 1000 : ts;
}
