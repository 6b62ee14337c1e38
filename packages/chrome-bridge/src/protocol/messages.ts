import type { BridgeCommand } from "./commands.js";
import { WELCOME_MESSAGE } from "./constants.js";
import { nowSeconds, toSeconds } from "./time.js";

/** Server -> extension. */
export interface ConnectedMessage {
  type: "connected";
  message: string;
  timestamp: number;
  /** Which connection this is (for `?extension=` routing); an addition upstream also made later. */
  connection_id?: string;
}
export interface CommandMessage {
  type: "command";
  command: BridgeCommand & { command_id: string };
  timestamp: number;
}
export interface PingMessage {
  type: "ping";
  timestamp: number;
}
export interface PongMessage {
  type: "pong";
  timestamp: number;
}
export interface ErrorMessage {
  type: "error";
  error: string;
  timestamp: number;
}

/** Extension -> server. */
export interface CommandResponseMessage {
  type: "command_response";
  success: boolean;
  command_id: string;
  message: string | null;
  data: Record<string, unknown> | null;
  error: string | null;
  timestamp: number;
}
export interface EventMessage {
  type: "event";
  event: string;
  data: Record<string, unknown> | null;
  timestamp: number;
}

export type ServerMessage = ConnectedMessage | CommandMessage | PingMessage | PongMessage | ErrorMessage;
export type ExtensionMessage = CommandResponseMessage | PingMessage | PongMessage | EventMessage;

export const connectedMessage = (connectionId?: string): ConnectedMessage => ({
  type: "connected",
  message: WELCOME_MESSAGE,
  timestamp: nowSeconds(),
  ...(connectionId ? { connection_id: connectionId } : {}),
});
export const commandMessage = (command: BridgeCommand & { command_id: string }): CommandMessage => ({
  type: "command",
  command,
  timestamp: nowSeconds(),
});
export const pingMessage = (): PingMessage => ({ type: "ping", timestamp: nowSeconds() });
export const pongMessage = (): PongMessage => ({ type: "pong", timestamp: nowSeconds() });
export const errorMessage = (error: string): ErrorMessage => ({ type: "error", error, timestamp: nowSeconds() });

export function successResponse(
  commandId: string,
  message: string,
  data: Record<string, unknown>,
): CommandResponseMessage {
  return {
    type: "command_response",
    success: true,
    command_id: commandId,
    message,
    data,
    error: null,
    timestamp: nowSeconds(),
  };
}
export function failureResponse(commandId: string, error: string): CommandResponseMessage {
  return {
    type: "command_response",
    success: false,
    command_id: commandId,
    message: null,
    data: null,
    error,
    timestamp: nowSeconds(),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The upstream extension's answer to `{"type":"command",...}`: it only knows bare commands. */
export const ENVELOPE_REJECTED = "Unknown command type: command";

/** What the server makes of one text frame from an extension. */
export type InboundFromExtension =
  | { kind: "response"; response: CommandResponseMessage }
  | { kind: "ping" }
  | { kind: "pong" }
  | { kind: "event"; event: EventMessage }
  /** The upstream extension's answer to an envelope it does not understand (it wants bare commands). */
  | { kind: "envelope_rejected" }
  | { kind: "invalid"; error: string };

/**
 * Classifies a frame from an extension. Liberal where upstream was: a typeless object with
 * `command_id` is a response (the upstream extension sends no `type`, and ms timestamps).
 */
export function parseExtensionFrame(text: string): InboundFromExtension {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: "invalid", error: "Invalid JSON format" };
  }
  if (!isObject(v)) return { kind: "invalid", error: "Message must be a JSON object" };
  const type = v.type;
  if (type === "ping") return { kind: "ping" };
  if (type === "pong") return { kind: "pong" };
  if (type === "event") {
    if (typeof v.event !== "string") return { kind: "invalid", error: "Invalid event: 'event' must be a string" };
    return {
      kind: "event",
      event: {
        type: "event",
        event: v.event,
        data: isObject(v.data) ? v.data : null,
        timestamp: toSeconds(v.timestamp),
      },
    };
  }
  // Upstream's extension rejects the envelope through a sender that invents a `command_id`
  // ("cmd_<ms>_<random>"), so the rejection is recognised by its error whatever its id.
  if (type === undefined && v.success === false && v.error === ENVELOPE_REJECTED) return { kind: "envelope_rejected" };
  if (type === "command_response" || (type === undefined && "command_id" in v)) {
    if (typeof v.command_id !== "string" || v.command_id === "") {
      return { kind: "invalid", error: "Invalid command_response: 'command_id' must be a non-empty string" };
    }
    if (typeof v.success !== "boolean")
      return { kind: "invalid", error: "Invalid command_response: 'success' must be a boolean" };
    return {
      kind: "response",
      response: {
        type: "command_response",
        success: v.success,
        command_id: v.command_id,
        message: typeof v.message === "string" ? v.message : null,
        data: isObject(v.data) ? v.data : null,
        error: typeof v.error === "string" ? v.error : v.success ? null : "Command failed",
        timestamp: toSeconds(v.timestamp),
      },
    };
  }
  if (type === undefined || type === null) return { kind: "invalid", error: "Missing type" };
  return { kind: "invalid", error: `Unknown message type: ${String(type)}` };
}

/** What an executor makes of one frame from the server. */
export type InboundFromServer =
  | { kind: "connected"; message: ConnectedMessage }
  | { kind: "command"; command: Record<string, unknown> }
  | { kind: "ping" }
  | { kind: "pong" }
  | { kind: "error"; error: string }
  | { kind: "ignored" };

/**
 * Classifies a frame from the server: the documented `{"type":"command","command":{...}}` envelope
 * or, from the upstream server, a bare command object carrying `command_id`.
 */
export function parseServerFrame(text: string): InboundFromServer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: "ignored" };
  }
  if (!isObject(v)) return { kind: "ignored" };
  switch (v.type) {
    case "connected":
      return { kind: "connected", message: v as unknown as ConnectedMessage };
    case "command":
      return isObject(v.command) ? { kind: "command", command: v.command } : { kind: "ignored" };
    case "ping":
      return { kind: "ping" };
    case "pong":
      return { kind: "pong" };
    case "error":
      return { kind: "error", error: typeof v.error === "string" ? v.error : "unknown error" };
    default:
      if (typeof v.type === "string" && typeof v.command_id === "string" && !("success" in v)) {
        return { kind: "command", command: v };
      }
      return { kind: "ignored" };
  }
}
