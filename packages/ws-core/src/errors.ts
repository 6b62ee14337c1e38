/** Machine-readable codes for every error ws-core raises. */
export type WsCoreErrorCode =
  | "PROTOCOL_ERROR"
  | "TIMEOUT"
  | "CONNECTION_CLOSED"
  | "ABORTED"
  | "QUEUE_OVERFLOW"
  | "NOT_CONNECTED"
  | "HANDSHAKE_REJECTED";

/**
 * An error with a machine-readable `code`: the base of ws-core's errors and of each protocol
 * package's own (their codes are their protocol's vocabulary; `name` says which family).
 */
export class CodedError<C extends string = string> extends Error {
  override name = "CodedError";
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export class WsCoreError extends CodedError<WsCoreErrorCode> {
  override name = "WsCoreError";
}

/** One problem found while validating a message (shape of zod's issues, kept minimal). */
export interface ProtocolIssue {
  path: PropertyKey[];
  message: string;
  code?: string;
}

/** A message that could not be decoded or failed its schema. */
export class ProtocolError extends WsCoreError {
  override name = "ProtocolError";
  readonly issues: ProtocolIssue[];
  constructor(message: string, issues: ProtocolIssue[] = [], options?: { cause?: unknown }) {
    super("PROTOCOL_ERROR", message, options);
    this.issues = issues;
  }
}

export class TimeoutError extends WsCoreError {
  override name = "TimeoutError";
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number) {
    super("TIMEOUT", message);
    this.timeoutMs = timeoutMs;
  }
}

/** The connection closed (or was closed) while something still depended on it. */
export class ConnectionClosedError extends WsCoreError {
  override name = "ConnectionClosedError";
  readonly closeCode: number | undefined;
  readonly reason: string;
  /** `cause`: the error that ended the connection (a refused handshake, a throwing `url` factory...). */
  constructor(message: string, closeCode?: number, reason = "", options?: { cause?: unknown }) {
    super("CONNECTION_CLOSED", message, options);
    this.closeCode = closeCode;
    this.reason = reason;
  }
}

export class AbortError extends WsCoreError {
  override name = "AbortError";
  constructor(message = "The operation was aborted", options?: { cause?: unknown }) {
    super("ABORTED", message, options);
  }
}

/** A send while there is no open connection and no queue to hold it. */
export class NotConnectedError extends WsCoreError {
  override name = "NotConnectedError";
  constructor(message = "Not connected") {
    super("NOT_CONNECTED", message);
  }
}

/** The bounded send queue is full: the message was not accepted. */
export class QueueOverflowError extends WsCoreError {
  override name = "QueueOverflowError";
  readonly limit: "messages" | "bytes";
  constructor(limit: "messages" | "bytes", message: string) {
    super("QUEUE_OVERFLOW", message);
    this.limit = limit;
  }
}

/** The server refused the WebSocket handshake (HTTP status instead of 101). */
export class HandshakeError extends WsCoreError {
  override name = "HandshakeError";
  readonly status: number | undefined;
  readonly body: string | undefined;
  constructor(message: string, status?: number, body?: string) {
    super("HANDSHAKE_REJECTED", message);
    this.status = status;
    this.body = body;
  }
}

/**
 * True for any ws-core error, also across duplicate package copies where `instanceof` fails
 * (checks the shape, as tRPC's getTRPCErrorFromUnknown does).
 */
export function isWsCoreError(e: unknown, code?: WsCoreErrorCode): e is WsCoreError {
  if (typeof e !== "object" || e === null) return false;
  const c = (e as { code?: unknown }).code;
  const known = e instanceof WsCoreError || (e instanceof Error && typeof c === "string" && c === c.toUpperCase());
  return known && (code === undefined || c === code);
}
