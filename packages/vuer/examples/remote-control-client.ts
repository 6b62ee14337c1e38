// The seed document's remote-control client: 200 position updates at about 60 per second.
// Run: pnpm --filter @proj/vuer example:remote-control-client -- --uri ws://127.0.0.1:8012 [--count 200] [--interval-ms 16]
import { NodeWebSocket } from "@proj/ws-core/node";
import { ClientEvent, VuerClient } from "../src/client/index.js";
import { arg, numberArg } from "./cli.js";

class SetPositionEvent extends ClientEvent<{ position: number[] }> {
  static override etype = "SET_POSITION";
}

/** The seed's animation: x = 2 sin t, y = 0.5 + 0.3 sin 2t, with t = 0.05 i. */
export function positionAt(i: number): number[] {
  const t = i * 0.05;
  return [Math.sin(t) * 2, 0.5 + Math.sin(t * 2) * 0.3, 0];
}

const uri = arg("uri");
const count = numberArg("count", 200);
const intervalMs = numberArg("interval-ms", 16);

await using client = await new VuerClient({ ...(uri ? { uri } : {}), WebSocket: NodeWebSocket }).connect();
let failed = 0;
client.on("error", () => failed++);
for (let i = 0; i < count; i++) {
  client.sendNow(new SetPositionEvent({ value: { position: positionAt(i) } }));
  if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
}
await client.send(new ClientEvent({ etype: "REMOTE_DONE", value: { count } })); // flushes the fire-and-forget sends
console.log(`sent ${count} updates${failed ? ` (${failed} failed)` : ""}`);
