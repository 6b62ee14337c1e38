import { z } from "zod";
import { EVENT_TYPES, type EventType } from "./events.js";
import type { Format } from "./screen.js";

export const DEFAULT_INTERVAL_MS = 100;
/** Upper bound we accept for interval_ms (one hour); larger values are a client bug. */
export const MAX_INTERVAL_MS = 3_600_000;

export const subscribeSchema = z.object({
  events: z.array(z.enum(EVENT_TYPES)),
  interval_ms: z.number().int().min(0).max(MAX_INTERVAL_MS).optional(),
  format: z.enum(["plain", "styled"]).optional(),
});

/** What a client sends on /ws/json (unknown extra fields are ignored, as upstream). */
export interface SubscribeMessage {
  events: EventType[];
  interval_ms?: number;
  format?: Format;
}

export interface Subscription {
  events: EventType[];
  intervalMs: number;
  format: Format;
}

export type ParseSubscribeResult = { ok: true; subscription: Subscription } | { ok: false; message: string };

export const SUBSCRIBE_ERROR_PREFIX = "invalid subscribe message: ";

/** Parses one text frame as a subscribe message; the error text starts with upstream's prefix. */
export function parseSubscribe(text: string): ParseSubscribeResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `${SUBSCRIBE_ERROR_PREFIX}${(err as Error).message}` };
  }
  const r = subscribeSchema.safeParse(json);
  if (!r.success) {
    const detail = r.error.issues
      .map((i) => {
        const at = i.path.length ? ` at \`${i.path.join(".")}\`` : "";
        if (i.code === "invalid_type" && valueAt(json, i.path) === undefined) return `missing field${at}`;
        return `${i.message}${at}`;
      })
      .join("; ");
    return { ok: false, message: `${SUBSCRIBE_ERROR_PREFIX}${detail}` };
  }
  const { events, interval_ms = DEFAULT_INTERVAL_MS, format = "styled" } = r.data;
  return { ok: true, subscription: { events, intervalMs: interval_ms, format } };
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let v = value;
  for (const k of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}
