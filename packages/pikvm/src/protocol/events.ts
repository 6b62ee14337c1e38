import { pyJson } from "./py-json.js";

/** Every text frame in both directions: `{"event_type": str, "event": object}`. */
export interface PiKVMEvent<T = any> {
  event_type: string;
  event: T;
}

/** Server event types of modern kvmd (>= 4.36). */
export const SERVER_EVENT_TYPES = [
  "loop",
  "gpio",
  "hid",
  "atx",
  "msd",
  "streamer",
  "ocr",
  "info",
  "switch",
  "hid_keymaps",
  "clients",
  "pong",
] as const;
export type ServerEventType = (typeof SERVER_EVENT_TYPES)[number];

/** Client event types kvmd understands. */
export const CLIENT_EVENT_TYPES = [
  "ping",
  "key",
  "mouse_button",
  "mouse_move",
  "mouse_relative",
  "mouse_wheel",
] as const;
export type ClientEventType = (typeof CLIENT_EVENT_TYPES)[number];

/** The fields `info` carries, one per event. */
export const INFO_FIELDS = ["system", "auth", "meta", "extras", "health", "uptime", "node", "fan"] as const;
export type InfoField = (typeof INFO_FIELDS)[number];

export interface LoopEvent {
  version: { major: number; minor: number };
}

export interface Delta {
  x: number;
  y: number;
}

/** Encodes one event as kvmd/aiopikvm put it on the wire (Python `json.dumps`). */
export function encodeEvent(eventType: string, event: unknown): string {
  return pyJson({ event_type: eventType, event });
}

/** Parses a text frame as kvmd does: top level an object, `event_type` a string, `event` present and an object. */
export function parseEventFrame(text: string): PiKVMEvent | undefined {
  const data = parseEnvelope(text);
  // The parsed object itself (no copy): other top-level keys, which kvmd ignores, may ride along.
  return data && isObject(data.event) ? (data as PiKVMEvent) : undefined;
}

/** Like parseEventFrame but lenient about `event` (server events may carry null). */
export function parseServerFrame(text: string): PiKVMEvent | undefined {
  const data = parseEnvelope(text);
  return data && { event_type: data.event_type, event: data.event ?? null };
}

/** JSON text whose top level is an object with a string `event_type`. */
function parseEnvelope(text: string): Record<string, any> | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isObject(data) && typeof data.event_type === "string" ? data : undefined;
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
