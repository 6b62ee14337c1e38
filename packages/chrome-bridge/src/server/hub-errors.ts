import { BridgeError } from "../protocol/errors.js";

/** HTTP status each hub failure maps to on the REST API. */
export const STATUS_BY_CODE: Record<string, number> = {
  NO_EXTENSION: 503,
  EXTENSION_DISCONNECTED: 503,
  COMMAND_TIMEOUT: 504,
  DUPLICATE_COMMAND: 409,
  TOO_MANY_PENDING: 429,
};

export const noExtension = (id?: string) =>
  new BridgeError("NO_EXTENSION", id ? `Chrome extension ${id} is not connected` : "No Chrome extension connected");
export const extensionDisconnected = () => new BridgeError("EXTENSION_DISCONNECTED", "Extension disconnected");
export const commandTimeout = (ms: number) => new BridgeError("COMMAND_TIMEOUT", `Command timeout after ${ms / 1000}s`);
export const duplicateCommand = (id: string) =>
  new BridgeError("DUPLICATE_COMMAND", `Duplicate command_id: ${id} is already pending`);
export const tooManyPending = (n: number) =>
  new BridgeError("TOO_MANY_PENDING", `Too many pending commands (limit ${n})`);
