import { CLIENT_MESSAGE_TYPES, type ClientMessage, type ErrorCode, UPSTREAM_ERROR_MESSAGES } from "./messages.js";

/** A refusal carries the frame's `type` when it had a string one (so "Not connected" can win before `connect`). */
export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: ErrorCode; message: string; type?: string };

const TYPES: ReadonlySet<string> = new Set(CLIENT_MESSAGE_TYPES);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Decodes and checks one client frame. A missing `data` means `{}` (as upstream); anything else that is
 * not an object, and wrongly typed fields, give INVALID_MESSAGE instead of upstream's dropped socket.
 */
export function parseClientMessage(text: string, limits: { maxEventTypes: number }): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: "INVALID_JSON", message: "Invalid JSON" };
  }
  if (!isObject(raw)) return invalid("message must be a JSON object");
  const type = raw.type;
  if (typeof type !== "string") return invalid("missing string field `type`");
  if (!TYPES.has(type)) {
    return { ok: false, code: "UNKNOWN_TYPE", message: UPSTREAM_ERROR_MESSAGES.UNKNOWN_TYPE, type };
  }
  const data = raw.data ?? {};
  if (!isObject(data)) return invalid("`data` must be an object", type);
  switch (type) {
    case "connect": {
      const id = data.client_id;
      if (id !== undefined && id !== null && (typeof id !== "string" || id.length === 0 || id.length > 128)) {
        return invalid("`client_id` must be a non-empty string of at most 128 characters", type);
      }
      const token = data.resume_token;
      if (token !== undefined && token !== null && (typeof token !== "string" || token.length > 128)) {
        return invalid("`resume_token` must be a string of at most 128 characters", type);
      }
      const clientId = (id as string | null | undefined) ?? null;
      return { ok: true, message: { type, data: { client_id: clientId, resume_token: (token as string) ?? null } } };
    }
    case "subscribe":
    case "unsubscribe": {
      const list = data.event_types ?? []; // missing: no change, the ack lists the current set (as upstream)
      if (!Array.isArray(list) || !list.every((t) => typeof t === "string" && t.length <= 64)) {
        return invalid("`event_types` must be an array of event names", type);
      }
      if (list.length > limits.maxEventTypes) {
        return {
          ok: false,
          code: "TOO_MANY_SUBSCRIPTIONS",
          message: `at most ${limits.maxEventTypes} event types`,
          type,
        };
      }
      return { ok: true, message: { type, data: { event_types: list as never } } };
    }
    case "action": {
      if (typeof data.action !== "string" || data.action.length === 0)
        return invalid("`action` must be a string", type);
      const inner = data.data ?? {};
      if (!isObject(inner)) return invalid("action `data` must be an object", type);
      return { ok: true, message: { type, data: { action: data.action, data: inner } } };
    }
    case "heartbeat":
      return { ok: true, message: { type, data: data as { timestamp?: number } } };
    default:
      return { ok: true, message: { type: "disconnect", data: data as { client_id?: string } } };
  }
}

function invalid(detail: string, type?: string): ParseResult {
  return { ok: false, code: "INVALID_MESSAGE", message: `Invalid message: ${detail}`, ...(type ? { type } : {}) };
}
