// Upstream's "Using WebSockets with the Web Adapter", in process: a WebAdapter with useWebsockets: false,
// a table with one bot, and a human seat answered through submitAction. Plays 5 rounds and exits.
//   pnpm --filter @proj/cardsharp example:adapter
import { parseCli, runCli } from "@proj/ws-core/cli";
import { VERSION } from "../src/cli/common.js";
import { BlackjackTable, EventBus, WebAdapter } from "../src/server/index.js";

const spec = {
  name: "example:adapter",
  version: VERSION,
  summary: "a WebAdapter in process (no network): one bot and one seat answered by code, 5 rounds",
  usage: [""],
  options: {},
  examples: ["pnpm --filter @proj/cardsharp example:adapter"],
} as const;

await runCli(spec, () => {
  parseCli(spec);
});

const bus = new EventBus();
const adapter = new WebAdapter({ useWebsockets: false });
const table = new BlackjackTable({ bus, bots: 1, seed: 7, timings: { roundPauseMs: 10 } });
adapter.attach(table);
table.seatHuman("local", "Alice");

bus.on("ROUND_STARTED", () => table.placeBet("local", 10));
bus.on("HAND_RESULT", (r) => console.log(`${r.player_name}: ${r.result} (payout ${r.payout})`));
adapter.on("action_request", (req) => {
  // Alice stands on 17 or more and hits below; insurance never.
  const action = req.decision === "insurance" ? "NO_INSURANCE" : req.hand_value >= 17 ? "STAND" : "HIT";
  adapter.submitAction(action, req.request_id);
});
let rounds = 0;
bus.on("ROUND_ENDED", async (e) => {
  if (++rounds === 5) {
    console.log("balances:", JSON.stringify(e.results));
    await table.stop();
  }
});
table.start();
