import type { Connection } from "@proj/ws-core/server";

/**
 * Calls `fn` once `conn` has drained below `lowWaterMark` bytes with an empty backlog (or never,
 * if it closes first). `ws` has no drain event of its own, so this polls while a peer lags.
 */
export function whenDrained(
  conn: Pick<Connection<unknown>, "open" | "bufferedAmount" | "backlog">,
  lowWaterMark: number,
  fn: () => void,
  pollMs = 10,
): void {
  const check = () => {
    if (!conn.open) return;
    if (conn.bufferedAmount <= lowWaterMark && conn.backlog === 0) fn();
    else setTimeout(check, pollMs).unref();
  };
  setTimeout(check, pollMs).unref();
}
