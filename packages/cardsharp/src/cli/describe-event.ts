/** One human-readable line per interesting event (what upstream's example client printed), or undefined. */
export function describeEvent(type: string, d: Record<string, any>, me: string | undefined): string | undefined {
  const who = (id: string | undefined, name: string | undefined) => (id && id === me ? "You" : (name ?? "Dealer"));
  switch (type) {
    case "ROUND_STARTED":
      return typeof d.round_number === "number" ? `--- ROUND ${d.round_number} ---` : "--- NEW ROUND ---";
    case "CARD_DEALT":
      if (d.is_dealer) return d.is_hole_card ? "Dealer gets a hole card" : `Dealer gets ${d.card}`;
      return `${who(d.player_id, d.player_name)} got ${d.card}${paren(d.hand_value_after)}`;
    case "CARD_REVEALED":
      return `Dealer reveals ${d.card}${paren(d.hand_value)}`;
    case "PLAYER_ACTION":
      return `${who(d.player_id, d.player_name)}: ${d.action}`;
    case "DEALER_ACTION":
      return `Dealer: ${d.action}${paren(d.hand_value)}`;
    case "PLAYER_TIMEOUT":
      return `${who(d.player_id, d.player_name)} timed out`;
    case "HAND_RESULT": {
      const verb =
        d.result === "win" ? "won" : d.result === "lose" ? "lost" : d.result === "push" ? "pushed" : "surrendered";
      return `${who(d.player_id, d.player_name)} ${verb}${d.payout === undefined ? "" : ` (payout ${d.payout})`}`;
    }
    case "BANKROLL_UPDATED":
      return d.player_id === me ? `Your balance: ${d.balance}` : undefined;
    default:
      return undefined;
  }
}

/** ` (value)` when the value is known, else nothing (upstream's events lack some). */
function paren(v: unknown): string {
  return v === undefined || v === null ? "" : ` (${String(v)})`;
}
