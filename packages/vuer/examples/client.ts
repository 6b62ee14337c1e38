// The seed document's Step 2 client: a fire-and-forget HELLO and an awaited MOVE_BOX.
// Run: pnpm --filter @proj/vuer example:client -- --uri ws://127.0.0.1:8012
import { NodeWebSocket } from "@proj/ws-core/node";
import { ClientEvent, VuerClient } from "../src/client/index.js";
import { arg, numberArg } from "./cli.js";

class HelloEvent extends ClientEvent {
  static override etype = "HELLO";
}

class MoveBoxEvent extends ClientEvent {
  static override etype = "MOVE_BOX";
}

const uri = arg("uri"); // else VUER_CLIENT_URI, else ws://localhost:8012
await using client = await new VuerClient({ ...(uri ? { uri } : {}), WebSocket: NodeWebSocket }).connect();

client.sendNow(new HelloEvent({ value: { message: "Hi!" } })); // fire-and-forget (`client.send @ ...`)
await client.send(new MoveBoxEvent({ value: { position: [1, 0.5, 0] } })); // awaitable
console.log("Events sent!");
await new Promise((r) => setTimeout(r, numberArg("linger-ms", 1000)));
