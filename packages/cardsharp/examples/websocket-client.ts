// Upstream's "Example WebSocket Client": connect, subscribe to every event, print them, answer action
// requests (typed at the keyboard when stdin is a terminal, else by basic strategy), heartbeat.
//   pnpm --filter @proj/cardsharp example:client -- --url ws://127.0.0.1:8765
import { createInterface } from "node:readline/promises";
import { CliError, intFlag, parseCli, runCli } from "@proj/ws-core/cli";
import { NodeWebSocket } from "@proj/ws-core/node";
import { VERSION, watchConnection, wsUrlFlag } from "../src/cli/common.js";
import { type Action, basicStrategyPlayer, CardsharpClient, type PlayerStrategy } from "../src/client/index.js";

const spec = {
  name: "example:client",
  version: VERSION,
  summary: "upstream's example client: plays at a CardSharp table from the keyboard (or by basic strategy when piped)",
  usage: ["[--url ws://127.0.0.1:8765]"],
  options: {
    url: {
      type: "string",
      valueName: "URL",
      default: "ws://127.0.0.1:8765",
      description: "the server's WebSocket URL",
    },
    retries: {
      type: "string",
      valueName: "N",
      default: "3",
      description: "failed connection attempts in a row (5 s each at most) retried before giving up",
    },
  },
  examples: ["pnpm --filter @proj/cardsharp example:client -- --url ws://127.0.0.1:8765"],
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  const url = wsUrlFlag(values.url as string);
  const retries = intFlag(values, "retries", { max: 1000 }) as number;
  const interactive = process.stdin.isTTY;
  const rl = interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  const KEYS: Record<string, Action> = {
    h: "HIT",
    s: "STAND",
    d: "DOUBLE",
    p: "SPLIT",
    r: "SURRENDER",
    i: "INSURANCE",
    n: "NO_INSURANCE",
  };

  const askHuman: PlayerStrategy = async (request) => {
    for (;;) {
      const answer =
        (await rl?.question(
          `Your hand ${request.cards.join(" ")} vs ${request.dealer_upcard}. ${request.valid_actions.join("/")}? `,
        )) ?? "";
      const action = KEYS[answer.trim().toLowerCase()[0] ?? ""] ?? (answer.trim().toUpperCase() as Action);
      if (request.valid_actions.includes(action)) return action;
      console.log("Invalid action");
    }
  };

  const client = new CardsharpClient({
    url,
    WebSocket: NodeWebSocket,
    maxRetries: retries,
    openTimeoutMs: 5000,
    backoff: { minDelayMs: 250, maxDelayMs: 2000 },
    join: { name: interactive ? "You" : "Example bot" },
    strategy: interactive ? askHuman : basicStrategyPlayer(),
    bet: ({ minBet }) => minBet,
  });
  process.stdout.on("error", () => process.exit(0)); // e.g. piped into `head`
  client.on("connected", (c) => console.log(`Connected to server with client ID: ${c.client_id}`));
  client.on("event", ({ event_type, data }) => console.log(event_type, JSON.stringify(data)));
  client.on("error", (e) => console.log(`Error: ${e.message}`));
  const gaveUp = watchConnection(client, { url, retries });
  let finishing = false;
  const stop = async () => {
    finishing = true;
    rl?.close();
    await client.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const why = await gaveUp;
  rl?.close();
  if (!finishing) throw new CliError(why);
});
