import { CodedError } from "@proj/ws-core";

/** Machine-readable codes for every error this package raises. */
export type BridgeErrorCode =
  | "INVALID_COMMAND"
  | "NO_EXTENSION"
  | "EXTENSION_DISCONNECTED"
  | "COMMAND_TIMEOUT"
  | "DUPLICATE_COMMAND"
  | "TOO_MANY_PENDING"
  | "EXECUTION_FAILED"
  | "HTTP_ERROR";

export class BridgeError extends CodedError<BridgeErrorCode> {
  override name = "BridgeError";
}

/**
 * A command that failed validation. `status` mirrors the REST answer: 400 for a missing or unknown
 * `type` (or a body that is not an object), 422 for a known command with bad fields.
 */
export class CommandValidationError extends BridgeError {
  override name = "CommandValidationError";
  readonly status: 400 | 422;
  readonly problems: string[];
  constructor(status: 400 | 422, problems: string[]) {
    super("INVALID_COMMAND", problems.join("; "));
    this.status = status;
    this.problems = problems;
  }
}

/** A command that an executor could not carry out; its message becomes the response's `error`. */
export class CommandExecutionError extends BridgeError {
  override name = "CommandExecutionError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("EXECUTION_FAILED", message, options);
  }
}

/** A non-2xx REST answer, as seen by `BridgeClient`. */
export class BridgeHttpError extends BridgeError {
  override name = "BridgeHttpError";
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, message: string, body: unknown) {
    super("HTTP_ERROR", message);
    this.status = status;
    this.body = body;
  }
}
