/**
 * What to do with a peer that reads slower than we write (its `bufferedAmount` is past the mark):
 * - "skip": the message is not sent to it (it misses that one; counted),
 * - "drop": held in a bounded per-peer backlog sent as the socket drains; past `maxQueue` messages or `maxQueueBytes`
 *   bytes the oldest is dropped (counted),
 * - "disconnect": the peer is closed with 1008 "slow consumer" (counted).
 */
export type SlowConsumerPolicy = "skip" | "drop" | "disconnect";
// Writes are corked for the rest of the tick (one writev per burst); a burst's own bytes do not count as lag,
// so a stalled peer holds at most about 2x highWaterMark + one message (+ the "drop" backlog).

export interface SlowConsumerOptions {
  policy?: SlowConsumerPolicy;
  /** Bytes buffered in the socket before a peer counts as slow. Default 1 MiB. */
  highWaterMark?: number;
  /** Backlog bound for "drop". Default 100 messages. */
  maxQueue?: number;
  /**
   * Backlog bound for "drop" in bytes (message payloads): past it the oldest are dropped, though the newest
   * message is always kept. Default unlimited (only `maxQueue` applies).
   */
  maxQueueBytes?: number;
}

export interface SlowConsumerStats {
  skipped: number;
  dropped: number;
  disconnected: number;
}

export const slowConsumerDefaults: Required<SlowConsumerOptions> = {
  policy: "drop",
  highWaterMark: 1024 * 1024,
  maxQueue: 100,
  maxQueueBytes: Number.POSITIVE_INFINITY,
};
