#!/usr/bin/env node
// cardsharp-client: takes a seat as a bot and prints the events it sees (like upstream's example client).
import { NodeWebSocket } from "@proj/ws-core/node";
import { CardsharpClient, type PlayerStrategy } from "../client/cardsharp-client.js";
import { basicStrategyPlayer, flatMinimumBet, randomPlayer } from "../client/strategies.js";
import { describeEvent } from "./describe-event.js";
import { fail, intFlag, parseCli } from "./args.js";

const USAGE =
  "usage: cardsharp-client [--url ws://localhost:8765] [--strategy basic|random] [--hands N] [--name NAME] [--client-id ID]";

const values = parseCli(
  {
    url: { type: "string" },
    strategy: { type: "string" },
    hands: { type: "string" },
    name: { type: "string" },
    "client-id": { type: "string" },
  },
  USAGE,
);
const url = (values.url as string | undefined) ?? "ws://localhost:8765";
const kind = (values.strategy as string | undefined) ?? "basic";
if (kind !== "basic" && kind !== "random") fail(`--strategy must be basic or random\n${USAGE}`);
const hands = intFlag(values.hands as string | undefined, "hands", 0); // 0 = play until interrupted
let basic = basicStrategyPlayer();
const strategy: PlayerStrategy = kind === "random" ? randomPlayer() : (r, c) => basic(r, c);

const client = new CardsharpClient({
  url,
  WebSocket: NodeWebSocket,
  ...(values["client-id"] ? { clientId: values["client-id"] as string } : {}),
  join: { name: (values.name as string | undefined) ?? "cardsharp-client" },
  strategy,
  bet: flatMinimumBet,
});

let played = 0;
process.stdout.on("error", () => process.exit(0)); // e.g. piped into `head`
const out = (line: string) => process.stdout.write(`${line}\n`);
client.on("connected", (c) => {
  out(`connected as ${c.client_id}${c.resumed ? " (seat resumed)" : ""}`);
  const rules = c.rules ?? {};
  const h17 = rules.dealer_hit_soft_17 === true;
  // Basic strategy for the table's dealer rule and double-after-split.
  basic = basicStrategyPlayer({ dealerHitsSoft17: h17, doubleAfterSplit: rules.allow_double_after_split !== false });
  if (c.rules) out(`table: ${rules.deck_count} decks, ${h17 ? "H17" : "S17"}, blackjack pays ${rules.blackjack_pays}`);
});
client.on("error", (e) => out(`error: ${e.message}`));
client.on("action_request", (r) => out(`action requested: ${r.valid_actions.join("/")} (hand ${r.cards.join(" ")})`));
client.on("event", (e) => {
  const d = e.data as Record<string, any>;
  const line = describeEvent(e.event_type, d, client.seat?.player_id);
  if (line) out(line);
  if (e.event_type === "ROUND_ENDED" && client.seat && d.results?.[client.seat.player_id]) {
    played++;
    if (hands > 0 && played >= hands) void finish(0);
  }
});

let finishing = false;
async function finish(code: number): Promise<void> {
  if (finishing) return;
  finishing = true;
  await client.close();
  process.exit(code);
}
process.on("SIGINT", () => void finish(0));
process.on("SIGTERM", () => void finish(0));
client.socket.closed.then((info) => {
  if (!finishing) {
    out(`connection closed: ${info.code} ${info.reason}`);
    process.exit(1);
  }
});
