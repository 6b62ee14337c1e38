// chrome-bridge: the bridge server, the Node executor, and REST client commands, as one command.
import { type CliSpec, formatHelp, parseCli, runCli, UsageError } from "@proj/ws-core/cli";
import { BridgeHttpError } from "../protocol/errors.js";
import type { Subcommand } from "./args.js";
import { agentCommands } from "./agent-commands.js";
import { screenshot, send, status, tabs } from "./client-commands.js";
import { executor } from "./executor.js";
import { mcp } from "./mcp.js";
import { serve } from "./serve.js";
import { VERSION } from "./version.js";

const commands: Record<string, Subcommand> = {
  serve,
  executor,
  status,
  tabs,
  screenshot,
  ...agentCommands,
  send,
  mcp,
};

const top = {
  name: "chrome-bridge",
  version: VERSION,
  summary: "drive Chrome through a local REST + WebSocket relay",
  usage: [
    ...Object.entries(commands).map(([name, c]) => `${`${name} ${c.usage[0]}`.padEnd(32)} ${c.summary}`),
    "help COMMAND                     a command's options (also: chrome-bridge COMMAND --help)",
  ],
  positionals: true,
  options: {},
  examples: [
    "# environment: CHROME_BRIDGE_URL, CHROME_BRIDGE_TOKEN, CHROMIUM_PATH",
    "chrome-bridge serve --token secret",
    "chrome-bridge executor --token secret",
    `chrome-bridge send '{"type":"tab","action":"open","url":"https://example.com"}' --token secret`,
    "chrome-bridge screenshot --save shot.png --token secret",
  ],
} satisfies CliSpec;

function specOf(name: string, c: Subcommand): CliSpec {
  return {
    name: `chrome-bridge ${name}`,
    version: VERSION,
    summary: c.summary,
    usage: c.usage,
    options: c.options,
    ...(c.positionals ? { positionals: true } : {}),
    ...(c.examples ? { examples: c.examples } : {}),
  };
}

const argv = process.argv.slice(2);
const args = argv[0] === "--" ? argv.slice(1) : argv; // pnpm run x -- ARGS passes the "--" on
const [first, ...rest] = args;
const command = first !== undefined ? commands[first] : undefined;

if (first === "help") {
  // `chrome-bridge help [COMMAND]`
  const about = rest[0] !== undefined ? commands[rest[0]] : undefined;
  if (rest[0] !== undefined && !about)
    void runCli(top, () => {
      throw new UsageError(`unknown command: ${rest[0]}`);
    });
  else process.stdout.write(formatHelp(about ? specOf(rest[0] as string, about) : top));
} else if (!command) {
  // -h, --help, --version, or a mistake: parseCli answers the first two and refuses unknown flags.
  void runCli(top, () => {
    parseCli(top, args);
    throw new UsageError(first === undefined ? "name a command" : `unknown command: ${first}`);
  });
} else {
  const spec = specOf(first as string, command);
  void runCli(spec, async () => {
    try {
      const code = await command.run(parseCli(spec, rest));
      if (code !== undefined) process.exitCode = code;
    } catch (err) {
      // A refusal from the server (401, 422, 503, 504, ...): its JSON body, as for any other answer, and exit 1.
      if (!(err instanceof BridgeHttpError)) throw err;
      console.log(JSON.stringify(err.body, null, 2));
      process.exitCode = 1;
    }
  });
}
