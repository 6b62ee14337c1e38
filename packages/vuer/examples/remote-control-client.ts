// Upstream's remote-control example, the client: 200 position updates at about 60 per second.
//   pnpm --filter @proj/vuer example:remote-control-client -- --uri ws://127.0.0.1:8012 [--count 200] [--interval-ms 16]
import { intFlag, parseCli, runCli } from "@proj/ws-core/cli";
import { ClientEvent } from "../src/client/index.js";
import { clientOptions, connectClient, numberFlag, VERSION } from "./cli.js";

class SetPositionEvent extends ClientEvent<{ position: number[] }> {
  static override etype = "SET_POSITION";
}

/** Upstream's animation: x = 2 sin t, y = 0.5 + 0.3 sin 2t, with t = 0.05 i. */
export function positionAt(i: number): number[] {
  const t = i * 0.05;
  return [Math.sin(t) * 2, 0.5 + Math.sin(t * 2) * 0.3, 0];
}

const spec = {
  name: "example:remote-control-client",
  version: VERSION,
  summary: "moves the box of example:remote-control-server along a curve, then exits",
  usage: ["[--uri ws://127.0.0.1:8012] [--count 200] [--interval-ms 16]"],
  options: {
    ...clientOptions,
    count: { type: "string", valueName: "N", default: "200", description: "how many positions to send" },
    "interval-ms": { type: "string", valueName: "MS", default: "16", description: "pause between two positions" },
  },
  examples: ["pnpm --filter @proj/vuer example:remote-control-client -- --uri ws://127.0.0.1:8012"],
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  const count = intFlag(values, "count", { max: 1_000_000 }) as number;
  const intervalMs = numberFlag(values, "interval-ms");
  await using client = await connectClient(values, intFlag(values, "retries", { max: 1000 }) as number);
  let failed = 0;
  client.on("error", () => failed++);
  for (let i = 0; i < count; i++) {
    client.sendNow(new SetPositionEvent({ value: { position: positionAt(i) } }));
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
  await client.send(new ClientEvent({ etype: "REMOTE_DONE", value: { count } })); // flushes the fire-and-forget sends
  console.log(`sent ${count} updates${failed ? ` (${failed} failed)` : ""}`);
});
