// The MCP server: the bridge's commands as Model Context Protocol tools (Node: `launchBridge` starts Chromium).
export { type BridgeMcpServerOptions, type CommandSender, createBridgeMcpServer } from "./bridge-mcp-server.js";
export { type LaunchedBridge, launchBridge } from "./launch.js";
export { describeTool, TOOL_DESCRIPTIONS, type ToolDescription } from "./tool-descriptions.js";
export { envelopeToToolResult, errorToToolResult } from "./tool-result.js";
export { toolInputSchema } from "./tool-schemas.js";
