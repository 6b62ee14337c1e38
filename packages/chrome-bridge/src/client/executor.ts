import type { BridgeCommand } from "../protocol/commands.js";

/** What a successful command produces: the documented `message` and `data` of its response. */
export interface CommandResult {
  message: string;
  data: Record<string, unknown>;
}

/**
 * Runs bridge commands against a browser. Both executors implement it: the Node one over a raw
 * CDP WebSocket, the extension over `chrome.debugger`. Throw `CommandExecutionError` (or any
 * Error) to fail a command; its message becomes the response's `error`.
 */
export interface CommandExecutor {
  execute(command: BridgeCommand): Promise<CommandResult>;
  /**
   * Commands with the same key run one after another, in arrival order (input to one tab must
   * not interleave); different keys run concurrently. Default: one key for everything.
   */
  queueKey?(command: BridgeCommand): Promise<string> | string;
  /** Events the executor reports on its own (e.g. `dialog_opened`); sent to the server as `event` messages. */
  onEvent?(listener: (event: string, data: Record<string, unknown>) => void): void;
}
