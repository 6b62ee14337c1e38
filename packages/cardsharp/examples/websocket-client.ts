// The seed document's "Example WebSocket Client": connect, subscribe to every event, print them, answer
// action requests (typed at the keyboard when stdin is a terminal, else by basic strategy), heartbeat.
//   pnpm --filter @proj/cardsharp example:client -- --url ws://127.0.0.1:8765
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { NodeWebSocket } from "@proj/ws-core/node";
import { type Action, basicStrategyPlayer, CardsharpClient, type PlayerStrategy } from "../src/client/index.js";

const { values } = parseArgs({ options: { url: { type: "string", default: "ws://127.0.0.1:8765" } } });
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
  url: values.url as string,
  WebSocket: NodeWebSocket,
  join: { name: interactive ? "You" : "Example bot" },
  strategy: interactive ? askHuman : basicStrategyPlayer(),
  bet: ({ minBet }) => minBet,
});
client.on("connected", (c) => console.log(`Connected to server with client ID: ${c.client_id}`));
client.on("event", ({ event_type, data }) => console.log(event_type, JSON.stringify(data)));
client.on("error", (e) => console.log(`Error: ${e.message}`));
process.on("SIGINT", async () => {
  rl?.close();
  await client.close();
  process.exit(0);
});
