#!/usr/bin/env node
// cardsharp-server: runs a blackjack table over CardSharp's WebSocket protocol.
import { CardsharpServer } from "../server/cardsharp-server.js";
import { fail, intFlag, parseCli } from "./args.js";

const USAGE = `usage: cardsharp-server [--host 127.0.0.1] [--port 8765] [--seed N] [--bots N] [--decks N] [--h17]
                        [--min-bet 5] [--max-bet 1000] [--pause-ms 2000] [--decision-timeout-ms 30000] [--no-auto-seat]
                        [--no-insurance] [--allow-origin ORIGIN]... [--allow-host HOST]...
  --allow-origin  a browser origin trusted besides the server's own pages (e.g. http://localhost:5173; "*" for any)
  --allow-host    a Host name accepted besides localhost and the bind address (e.g. a LAN name; "*" for any)`;

const values = parseCli(
  {
    host: { type: "string" },
    port: { type: "string" },
    seed: { type: "string" },
    bots: { type: "string" },
    decks: { type: "string" },
    h17: { type: "boolean" },
    "min-bet": { type: "string" },
    "max-bet": { type: "string" },
    "pause-ms": { type: "string" },
    "decision-timeout-ms": { type: "string" },
    "no-auto-seat": { type: "boolean" },
    "no-insurance": { type: "boolean" },
    "allow-origin": { type: "string", multiple: true },
    "allow-host": { type: "string", multiple: true },
  },
  USAGE,
);

// "localhost" may resolve to ::1 first; the default binds IPv4 loopback explicitly.
const host = values.host === undefined || values.host === "localhost" ? "127.0.0.1" : (values.host as string);
const port = intFlag(values.port as string | undefined, "port", 8765);
const seed = values.seed === undefined ? undefined : intFlag(values.seed as string, "seed", 0);
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
const origins = list(values["allow-origin"]);
const hosts = list(values["allow-host"]);
const server = new CardsharpServer({
  host,
  ...(origins.length > 0 ? { allowedOrigins: origins.includes("*") ? "*" : origins } : {}),
  ...(hosts.length > 0 ? { allowedHosts: hosts.includes("*") ? "*" : hosts } : {}),
  ...(seed !== undefined ? { seed } : {}),
  bots: intFlag(values.bots as string | undefined, "bots", 0),
  autoSeat: !values["no-auto-seat"],
  rules: {
    decks: intFlag(values.decks as string | undefined, "decks", 6, 1),
    dealerHitsSoft17: Boolean(values.h17),
    insurance: !values["no-insurance"],
    minBet: intFlag(values["min-bet"] as string | undefined, "min-bet", 5, 1),
    maxBet: intFlag(values["max-bet"] as string | undefined, "max-bet", 1000, 1),
  },
  timings: {
    roundPauseMs: intFlag(values["pause-ms"] as string | undefined, "pause-ms", 2000),
    decisionTimeoutMs: intFlag(values["decision-timeout-ms"] as string | undefined, "decision-timeout-ms", 30_000, 1),
  },
});

try {
  const l = await server.listen({ host, port });
  const h = l.host.includes(":") ? `[${l.host}]` : l.host;
  process.stdout.write(`listening on ws://${h}:${l.port}\n`);
} catch (err) {
  fail(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close({ graceMs: 1000 });
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
