#!/usr/bin/env node
// cardsharp-client: takes a seat as a bot and prints the events it sees (like upstream's example client).
import { CliError, intFlag, parseCli, runCli, UsageError } from "@proj/ws-core/cli";
import { NodeWebSocket } from "@proj/ws-core/node";
import { CardsharpClient, type PlayerStrategy } from "../client/cardsharp-client.js";
import { basicStrategyPlayer, flatMinimumBet, randomPlayer } from "../client/strategies.js";
import { VERSION, watchConnection, wsUrlFlag } from "./common.js";
import { describeEvent } from "./describe-event.js";

const spec = {
  name: "cardsharp-client",
  version: VERSION,
  summary: "takes a seat at a CardSharp table, plays as a bot and prints what happens",
  usage: ["[--url ws://127.0.0.1:8765] [--strategy basic|random] [--hands N] [--name NAME]"],
  options: {
    url: {
      type: "string",
      valueName: "URL",
      default: "ws://127.0.0.1:8765",
      description: "the server's WebSocket URL",
    },
    strategy: {
      type: "string",
      valueName: "basic|random",
      default: "basic",
      description: "how the bot plays: basic strategy for the table's rules, or random valid moves",
    },
    hands: {
      type: "string",
      valueName: "N",
      default: "0",
      description: "exit after playing N hands (0: until interrupted)",
    },
    name: { type: "string", valueName: "NAME", default: "cardsharp-client", description: "the seat's player name" },
    "client-id": { type: "string", valueName: "ID", description: "the client id to use (default: a fresh one)" },
    retries: {
      type: "string",
      valueName: "N",
      default: "3",
      description: "failed connection attempts in a row (5 s each at most) retried before giving up",
    },
  },
  examples: ["cardsharp-client --url ws://127.0.0.1:8765 --hands 10", "cardsharp-client --strategy random --name Rita"],
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  const url = wsUrlFlag(values.url as string);
  const kind = values.strategy as string;
  if (kind !== "basic" && kind !== "random")
    throw new UsageError(`--strategy must be basic or random, got ${JSON.stringify(kind)}`);
  const hands = intFlag(values, "hands", { max: 1_000_000 }) as number;
  const retries = intFlag(values, "retries", { max: 1000 }) as number;
  const clientId = values["client-id"] as string | undefined;
  if (clientId !== undefined && (clientId.length === 0 || clientId.length > 128)) {
    throw new UsageError("--client-id must be 1 to 128 characters");
  }
  let basic = basicStrategyPlayer();
  const strategy: PlayerStrategy = kind === "random" ? randomPlayer() : (r, c) => basic(r, c);

  const client = new CardsharpClient({
    url,
    WebSocket: NodeWebSocket,
    ...(clientId ? { clientId } : {}),
    join: { name: values.name as string },
    strategy,
    bet: flatMinimumBet,
    maxRetries: retries,
    openTimeoutMs: 5000,
    backoff: { minDelayMs: 250, maxDelayMs: 2000 },
  });
  const gaveUp = watchConnection(client, { url, retries });

  let played = 0;
  process.stdout.on("error", () => process.exit(0)); // e.g. piped into `head`
  const out = (line: string) => process.stdout.write(`${line}\n`);
  client.on("connected", (c) => {
    out(`connected as ${c.client_id}${c.resumed ? " (seat resumed)" : ""}`);
    const rules = c.rules ?? {};
    const h17 = rules.dealer_hit_soft_17 === true;
    // Basic strategy for the table's dealer rule and double-after-split.
    basic = basicStrategyPlayer({ dealerHitsSoft17: h17, doubleAfterSplit: rules.allow_double_after_split !== false });
    if (c.rules)
      out(`table: ${rules.deck_count} decks, ${h17 ? "H17" : "S17"}, blackjack pays ${rules.blackjack_pays}`);
  });
  client.on("error", (e) => out(`error: ${e.message}`));
  // Our player id: the seat's, or (against upstream's server, which has no seats) the one requests name.
  let me: string | undefined;
  let inThisRound = false;
  client.on("action_request", (r) => {
    me ??= r.player_id;
    inThisRound = true;
    const hand = r.cards.length > 0 ? ` (hand ${r.cards.join(" ")})` : "";
    out(`action requested: ${r.valid_actions.join("/")}${hand}`);
  });
  client.on("event", (e) => {
    const d = e.data as Record<string, any>;
    const mine = client.seat?.player_id ?? me;
    const line = describeEvent(e.event_type, d, mine);
    if (line) out(line);
    if (e.event_type === "ROUND_STARTED") inThisRound = false;
    if (mine !== undefined && d.player_id === mine && e.event_type === "HAND_RESULT") inThisRound = true;
    // A hand counts once it is settled: our seat in ROUND_ENDED's results, or (upstream, whose results may
    // not name us) a request or a result of ours seen in this round.
    if (e.event_type === "ROUND_ENDED" && ((mine !== undefined && d.results?.[mine]) || inThisRound)) {
      inThisRound = false;
      played++;
      if (hands > 0 && played >= hands) void finish();
    }
  });

  let finishing = false;
  async function finish(): Promise<void> {
    if (finishing) return;
    finishing = true;
    await client.close();
    process.exit(0);
  }
  process.on("SIGINT", () => void finish());
  process.on("SIGTERM", () => void finish());
  const why = await gaveUp;
  if (!finishing) throw new CliError(why);
  await new Promise(() => {}); // finish() exits
});
