import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { COMMAND_TYPES, type CommandInput, type CommandType } from "../protocol/commands.js";
import { BridgeHttpError, CommandValidationError } from "../protocol/errors.js";
import type { RestEnvelope } from "../protocol/rest.js";
import { parseCommand } from "../protocol/validate.js";
import { describeTool } from "./tool-descriptions.js";
import { envelopeToToolResult, errorToToolResult } from "./tool-result.js";
import { toolInputSchema } from "./tool-schemas.js";

/** What the MCP server needs of the bridge: `BridgeClient` (REST) fits, so does anything that runs commands. */
export interface CommandSender {
  command(command: CommandInput, signal?: AbortSignal): Promise<RestEnvelope<unknown>>;
}

export interface BridgeMcpServerOptions {
  /** Reported to the client in `initialize`. Default "chrome-bridge". */
  name?: string;
  version?: string;
  /** Describes a failure to reach the bridge (a thrown error that is not an HTTP answer). Default: its message. */
  describeError?: (err: unknown) => string;
}

const INSTRUCTIONS =
  "Drives a Chrome browser through chrome-bridge. Each tool is one bridge command; tab_id picks the tab (default: the active one). Typical loop: navigate (or tab open), snapshot, then click or fill by ref, and read the page again.";

/**
 * An MCP server whose tools are the bridge's commands, one tool per entry of `commandSchemas` (so new commands
 * appear without changes here). Arguments are checked against the command's zod schema, then sent through `bridge`.
 */
export function createBridgeMcpServer(bridge: CommandSender, options: BridgeMcpServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: options.name ?? "chrome-bridge", version: options.version ?? "0.0.0" },
    { instructions: INSTRUCTIONS },
  );
  const describeError = options.describeError ?? ((err: unknown) => (err instanceof Error ? err.message : String(err)));
  for (const type of COMMAND_TYPES) {
    const { title, description, readOnly } = describeTool(type);
    server.registerTool(
      type,
      {
        title,
        description,
        inputSchema: toolInputSchema(type),
        annotations: { readOnlyHint: readOnly ?? false, openWorldHint: true },
      },
      (args, extra) => runCommand(bridge, type, args as Record<string, unknown>, extra.signal, describeError),
    );
  }
  return server;
}

async function runCommand(
  bridge: CommandSender,
  type: CommandType,
  args: Record<string, unknown>,
  signal: AbortSignal,
  describeError: (err: unknown) => string,
): Promise<CallToolResult> {
  const command = { ...args, type } as CommandInput;
  try {
    parseCommand(command); // the full schema: cross-field rules the tool's JSON schema cannot say
    return envelopeToToolResult(await bridge.command(command, signal));
  } catch (err) {
    if (err instanceof CommandValidationError) return errorToToolResult(err.problems.join("; "));
    if (err instanceof BridgeHttpError) return errorToToolResult(`bridge answered HTTP ${err.status}`, err.body);
    return errorToToolResult(describeError(err));
  }
}
