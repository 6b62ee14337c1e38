import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { UsageError } from "@proj/ws-core/cli";
import { BridgeClient } from "../client/rest-client.js";
import { createBridgeMcpServer } from "../mcp/bridge-mcp-server.js";
import { type LaunchedBridge, launchBridge } from "../mcp/launch.js";
import { DEFAULT_REST_URL } from "../protocol/constants.js";
import { type Subcommand, stringValue, tokenOption } from "./args.js";
import { VERSION } from "./version.js";

// stdout carries the MCP messages: everything else this command says goes to stderr.
const say = (line: string) => process.stderr.write(`chrome-bridge mcp: ${line}\n`);

export const mcp: Subcommand = {
  summary: "a Model Context Protocol server on stdio: the bridge's commands as tools",
  usage: ["[--url URL --token T | --launch] [options]"],
  options: {
    url: {
      type: "string",
      valueName: "URL",
      description: `the running bridge's REST address ($CHROME_BRIDGE_URL, else ${DEFAULT_REST_URL})`,
    },
    token: tokenOption,
    extension: {
      type: "string",
      valueName: "ID",
      description: "send to this executor connection (an id from status) instead of the default one",
    },
    launch: {
      type: "boolean",
      description: "start a private bridge with the Node executor and its own Chromium instead (closed on exit)",
    },
    chromium: {
      type: "string",
      valueName: "PATH",
      description: "with --launch: the Chromium to start ($CHROMIUM_PATH, else /usr/bin/chromium)",
    },
    headful: { type: "boolean", description: "with --launch: show the browser window" },
    dialogs: {
      type: "string",
      valueName: "dismiss|accept|leave",
      default: "dismiss",
      description: "with --launch: JavaScript dialogs dismissed, accepted, or left open for the dialog tool",
    },
  },
  examples: [
    "chrome-bridge mcp --launch",
    "chrome-bridge mcp --url http://127.0.0.1:8765 --token secret",
    `# an MCP host's config: {"command": "npx", "args": ["chrome-bridge", "mcp", "--launch"]}`,
  ],
  async run({ values }) {
    const launch = values.launch === true;
    const dialogs = stringValue(values, "dialogs") ?? "dismiss";
    if (dialogs !== "dismiss" && dialogs !== "accept" && dialogs !== "leave")
      throw new UsageError(`--dialogs must be dismiss, accept or leave, not ${JSON.stringify(dialogs)}`);
    for (const flag of launch ? ["url", "token", "extension"] : ["chromium", "headful"])
      if (values[flag] !== undefined)
        throw new UsageError(
          launch ? `--${flag} names a running bridge: leave out --launch` : `--${flag} needs --launch`,
        );

    let launched: LaunchedBridge | undefined;
    let client: BridgeClient;
    if (launch) {
      const chromium = stringValue(values, "chromium");
      launched = await launchBridge({
        launch: { ...(chromium ? { executablePath: chromium } : {}), headless: !values.headful },
        dialogs,
      });
      client = launched.client;
      say(`started a bridge at ${launched.url} with its own Chromium`);
    } else {
      const token = stringValue(values, "token") ?? process.env.CHROME_BRIDGE_TOKEN;
      const extensionId = stringValue(values, "extension");
      client = new BridgeClient({
        url: stringValue(values, "url") ?? process.env.CHROME_BRIDGE_URL ?? DEFAULT_REST_URL,
        ...(token ? { token } : {}),
        ...(extensionId ? { extensionId } : {}),
      });
      // Not fatal: an MCP host may start this before the bridge; each tool call says what is wrong.
      await client.status().then(
        (s) => say(`bridge at ${client.url}: ${s.data?.extensions_connected ?? 0} executor(s) connected`),
        (err) => say(`warning: bridge at ${client.url}: ${unreachable(client.url, err)}`),
      );
    }

    const server = createBridgeMcpServer(client, {
      version: VERSION,
      describeError: (err) => unreachable(client.url, err),
    });
    let closing: Promise<void> | undefined;
    const shutdown = () => {
      closing ??= (async () => {
        await server.close().catch(() => {});
        await launched?.close();
      })().finally(() => process.exit(0));
      return closing;
    };
    // The client ends the session by closing our stdin (then SIGTERM): either way the browser goes too.
    process.stdin.once("end", shutdown);
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
    await server.connect(new StdioServerTransport());
    say(`serving ${client.url} over stdio`);
    return undefined; // runs until stdin closes
  },
};

/** A failure to reach the bridge, in words (fetch's own message is only "fetch failed"). */
function unreachable(url: string, err: unknown): string {
  if (err instanceof TypeError && err.message === "fetch failed") {
    const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
    const why = cause?.code === "ECONNREFUSED" ? "connection refused" : (cause?.message ?? err.message);
    return `cannot reach ${url}: ${why} (is chrome-bridge serve running there? --url names it, or use --launch)`;
  }
  return err instanceof Error ? err.message : String(err);
}
