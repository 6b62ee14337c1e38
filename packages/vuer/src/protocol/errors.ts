import { NotConnectedError as CoreNotConnectedError, ProtocolError, TimeoutError } from "@proj/ws-core";

/** A frame that is not one valid msgpack value (truncated, trailing bytes, extension types, bad UTF-8). */
export class VuerDecodeError extends ProtocolError {
  override name = "VuerDecodeError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, [], options);
  }
}

/** A value msgpack cannot carry (functions, symbols, integers past 64 bits, cycles). */
export class VuerEncodeError extends ProtocolError {
  override name = "VuerEncodeError";
  constructor(message: string) {
    super(message, []);
  }
}

/** A decoded frame that is not a Vuer event (not a map, or no string `etype`). */
export class VuerEventError extends ProtocolError {
  override name = "VuerEventError";
}

/**
 * An operation that needs an open connection was called without one: ws-core's `NotConnectedError` (code
 * `NOT_CONNECTED`) with upstream's message.
 */
export class NotConnectedError extends CoreNotConnectedError {
  constructor(message = "Not connected to server. Call connect() first.") {
    super(message);
  }
}

/** An RPC (`grabRender`, `rpc`) or `till` got no answer in time. */
export class VuerTimeoutError extends TimeoutError {
  override name = "VuerTimeoutError";
  readonly etype: string;
  constructor(etype: string, timeoutMs: number) {
    super(`no ${etype} within ${timeoutMs} ms`, timeoutMs);
    this.etype = etype;
  }
}

/** An option or environment variable with a value that cannot be used. */
export class VuerConfigError extends TypeError {
  override name = "VuerConfigError";
}
