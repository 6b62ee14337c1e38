#!/usr/bin/env node
// cardsharp-server: runs a blackjack table over CardSharp's WebSocket protocol.
import { intFlag, parseCli, runCli, UsageError } from "@proj/ws-core/cli";
import { RedisBus } from "@proj/ws-core/cluster";
import { CardsharpServer, type CardsharpServerOptions } from "../server/cardsharp-server.js";
import { CardsharpClusterServer, checkTableId } from "../server/cluster/index.js";
import { VERSION } from "./common.js";

const spec = {
  name: "cardsharp-server",
  version: VERSION,
  summary: "runs a blackjack table that CardSharp WebSocket clients play at",
  usage: [
    "[--host 127.0.0.1] [--port 8765] [--bots N] [--seed N] [table options]",
    "--redis URL [--table NAME]... [--lease-ms MS] [--host ...] [--port ...] [table options]",
  ],
  options: {
    host: {
      type: "string",
      valueName: "HOST",
      default: "127.0.0.1",
      description: "address to listen on (localhost means 127.0.0.1; 0.0.0.0 for every interface)",
    },
    port: { type: "string", short: "p", valueName: "N", default: "8765", description: "port (0 picks a free one)" },
    seed: { type: "string", valueName: "N", description: "seed the shuffle (same seed, same shoes)" },
    bots: { type: "string", valueName: "N", default: "0", description: "basic-strategy bot seats (the table has 7)" },
    decks: { type: "string", valueName: "N", default: "6", description: "decks in the shoe (1 to 16)" },
    h17: { type: "boolean", description: "the dealer hits soft 17 (default: stands)" },
    "min-bet": { type: "string", valueName: "N", default: "5", description: "table minimum" },
    "max-bet": { type: "string", valueName: "N", default: "1000", description: "table maximum" },
    "pause-ms": { type: "string", valueName: "MS", default: "2000", description: "pause between rounds" },
    "decision-timeout-ms": {
      type: "string",
      valueName: "MS",
      default: "30000",
      description: "a seat that does not answer in time stands",
    },
    "bet-deadline-ms": {
      type: "string",
      valueName: "MS",
      default: "30000",
      description: "with no bet in, an open round is abandoned after this and the next one opens",
    },
    "no-auto-seat": { type: "boolean", description: "clients sit only when they ask to (the join action)" },
    "no-insurance": { type: "boolean", description: "no insurance or even money" },
    "allow-origin": {
      type: "string",
      multiple: true,
      valueName: "ORIGIN",
      description: "a browser origin trusted besides the server's own pages (e.g. http://localhost:5173; '*' for any)",
    },
    redis: {
      type: "string",
      valueName: "URL",
      description:
        "serve one casino with every instance given this Redis (redis://host:port): see README 'Scaling out'",
    },
    table: {
      type: "string",
      multiple: true,
      valueName: "NAME",
      description: "with --redis: a table this instance opens if the casino lacks it (default main; the first is /'s)",
    },
    "lease-ms": {
      type: "string",
      valueName: "MS",
      default: "5000",
      description: "with --redis: a dead instance's tables are taken over within this",
    },
    namespace: {
      type: "string",
      valueName: "NAME",
      default: "cardsharp",
      description: "with --redis: prefix of the casino's Redis keys (several casinos on one Redis)",
    },
    "allow-host": {
      type: "string",
      multiple: true,
      valueName: "HOST",
      description: "a Host name accepted besides localhost and the bind address (e.g. a LAN name; '*' for any)",
    },
  },
  examples: [
    "cardsharp-server --port 8765 --bots 2",
    "cardsharp-server --port 0 --seed 7 --h17 --allow-origin http://localhost:5173",
    "cardsharp-server --port 8001 --redis redis://127.0.0.1:6379 --table high-rollers --bots 2",
  ],
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  // "localhost" may resolve to ::1 first; the default binds IPv4 loopback explicitly.
  const host = values.host === "localhost" ? "127.0.0.1" : (values.host as string);
  const port = intFlag(values, "port", { max: 65535 }) as number;
  const seed = intFlag(values, "seed");
  const minBet = intFlag(values, "min-bet", { min: 1 }) as number;
  const maxBet = intFlag(values, "max-bet", { min: 1 }) as number;
  if (minBet > maxBet) throw new UsageError(`--min-bet (${minBet}) must not exceed --max-bet (${maxBet})`);
  const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
  const origins = list(values["allow-origin"]);
  const hosts = list(values["allow-host"]);
  const options: CardsharpServerOptions = {
    host,
    ...(origins.length > 0 ? { allowedOrigins: origins.includes("*") ? "*" : origins } : {}),
    ...(hosts.length > 0 ? { allowedHosts: hosts.includes("*") ? "*" : hosts } : {}),
    ...(seed !== undefined ? { seed } : {}),
    bots: intFlag(values, "bots", { max: 7 }) as number,
    autoSeat: !values["no-auto-seat"],
    rules: {
      decks: intFlag(values, "decks", { min: 1, max: 16 }) as number,
      dealerHitsSoft17: Boolean(values.h17),
      insurance: !values["no-insurance"],
      minBet,
      maxBet,
    },
    timings: {
      roundPauseMs: intFlag(values, "pause-ms") as number,
      decisionTimeoutMs: intFlag(values, "decision-timeout-ms", { min: 1 }) as number,
      betDeadlineMs: intFlag(values, "bet-deadline-ms", { min: 1 }) as number,
    },
  };
  const redisUrl = values.redis as string | undefined;
  const tables = list(values.table);
  const leaseMs = intFlag(values, "lease-ms", { min: 100 }) as number;
  if (redisUrl === undefined && tables.length > 0) throw new UsageError("--table needs --redis");
  for (const t of tables) {
    try {
      checkTableId(t);
    } catch (err) {
      throw new UsageError(`--table: ${(err as Error).message}`);
    }
  }

  let server: CardsharpServer | CardsharpClusterServer;
  let bus: RedisBus | undefined;
  if (redisUrl !== undefined) {
    const say = (line: string) => process.stdout.write(`${line}\n`);
    bus = await RedisBus.connect({ url: redisUrl, log: say });
    server = await CardsharpClusterServer.start({
      ...options,
      cluster: { bus, tables, leaseMs, namespace: values.namespace as string, log: say },
    });
    say(`instance ${bus.instanceId} in the casino at ${redisUrl.replace(/\/\/[^@/]*@/, "//***@")}`);
  } else {
    server = new CardsharpServer(options);
  }

  const l = await server.listen({ host, port });
  const h = l.host.includes(":") ? `[${l.host}]` : l.host;
  process.stdout.write(`listening on ws://${h}:${l.port}\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close({ graceMs: 1000 });
    await bus?.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
});
