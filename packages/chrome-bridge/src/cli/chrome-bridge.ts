import { BridgeHttpError } from "../protocol/errors.js";
import { parseArgs, UsageError } from "./args.js";
import { screenshot, send, status, tabs } from "./client-commands.js";
import { executor } from "./executor.js";
import { serve } from "./serve.js";

const USAGE = `usage: chrome-bridge <command> [options]

  serve     [--host 127.0.0.1] [--port 8765] [--ws-port 8766|off] [--timeout SECONDS] [--token T]
            [--allow-origin http://app.example,...] [--allow-host name,...|'*']
  executor  [--server ws://127.0.0.1:8766] [--chromium /usr/bin/chromium | --cdp ws://...] [--token T] [--headful]
  status    [--url http://127.0.0.1:8765] [--token T]
  tabs      [--url ...] [--token T]
  screenshot [--save FILE] [--quality 1-100] [--format jpeg|png] [--tab-id N] [--url ...] [--token T]
  send      '<json command>' [--url ...] [--token T] [--extension ID]

Environment: CHROME_BRIDGE_URL, CHROME_BRIDGE_TOKEN, CHROMIUM_PATH.`;

async function main(argv: string[]): Promise<number | undefined> {
  const args = parseArgs(argv, new Set(["headful", "help"]));
  const cmd = args.positionals[0];
  switch (cmd) {
    case "serve":
      await serve(args);
      return undefined; // keeps running until a signal
    case "executor":
      await executor(args);
      return undefined;
    case "status":
      return status(args);
    case "tabs":
      return tabs(args);
    case "screenshot":
      return screenshot(args);
    case "send":
      return send(args);
    default:
      if (cmd === undefined || args.flags.has("help") || cmd === "help") {
        console.log(USAGE);
        return 0;
      }
      throw new UsageError(`unknown command: ${cmd}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) console.error(`chrome-bridge: ${err.message}\n\n${USAGE}`);
    else if (err instanceof BridgeHttpError) console.log(JSON.stringify(err.body, null, 2));
    else console.error(`chrome-bridge: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
