import { CodedError } from "@proj/ws-core";

/**
 * aiopikvm's exception tree in TypeScript: `PiKVMError` ⊃ `APIError(status)` ⊃ `AuthError`, plus
 * `ConnectError`, `ConnectionTimeoutError`, `WebSocketError`, and `InvalidInputError` for input the
 * client refuses to send (kvmd would drop it silently).
 */
export type PiKVMErrorCode =
  | "API_ERROR"
  | "AUTH_ERROR"
  | "CONNECT_ERROR"
  | "CONNECTION_TIMEOUT"
  | "WEBSOCKET_ERROR"
  | "NOT_CONNECTED"
  | "INVALID_INPUT";

export class PiKVMError extends CodedError<PiKVMErrorCode> {
  override name = "PiKVMError";
}

/** kvmd answered with an HTTP error (REST call or refused WebSocket handshake). */
export class APIError extends PiKVMError {
  override name = "APIError";
  readonly status: number;
  /** kvmd's `result.error` (e.g. "ValidatorError") when the body had one. */
  readonly error: string | undefined;
  constructor(
    status: number,
    message: string,
    error?: string,
    code: PiKVMErrorCode = "API_ERROR",
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.status = status;
    this.error = error;
  }
}

/** 401 (no credentials) or 403 (wrong credentials, unknown or expired token). */
export class AuthError extends APIError {
  override name = "AuthError";
  constructor(status: number, message: string, error?: string, options?: { cause?: unknown }) {
    super(status, message, error, "AUTH_ERROR", options);
  }
}

/** The connection could not be made (DNS, refused, TLS verification, ...). */
export class ConnectError extends PiKVMError {
  override name = "ConnectError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("CONNECT_ERROR", message, options);
  }
}

export class ConnectionTimeoutError extends PiKVMError {
  override name = "ConnectionTimeoutError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("CONNECTION_TIMEOUT", message, options);
  }
}

/** The socket is not usable (not connected, closed, lost). */
export class WebSocketError extends PiKVMError {
  override name = "WebSocketError";
  readonly closeCode: number | undefined;
  constructor(message: string, closeCode?: number, code: PiKVMErrorCode = "WEBSOCKET_ERROR") {
    super(code, message);
    this.closeCode = closeCode;
  }
}

/** Input the client will not send: unknown key or button, a character the keymap cannot type, bad numbers. */
export class InvalidInputError extends PiKVMError {
  override name = "InvalidInputError";
  constructor(message: string) {
    super("INVALID_INPUT", message);
  }
}

/** True for any PiKVM client error, also across duplicate package copies. */
export function isPiKVMError(e: unknown, code?: PiKVMErrorCode): e is PiKVMError {
  if (!(e instanceof Error)) return false;
  const c = (e as { code?: unknown }).code;
  const known =
    e instanceof PiKVMError ||
    (typeof c === "string" && /^(API|AUTH|CONNECT|CONNECTION|WEBSOCKET|NOT|INVALID)_/.test(c));
  return known && (code === undefined || c === code);
}
