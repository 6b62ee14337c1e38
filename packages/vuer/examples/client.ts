// Upstream's first example ("Step 2"), as a client: a fire-and-forget HELLO and an awaited MOVE_BOX.
//   pnpm --filter @proj/vuer example:client -- --uri ws://127.0.0.1:8012
import { intFlag, parseCli, runCli } from "@proj/ws-core/cli";
import { ClientEvent } from "../src/client/index.js";
import { clientOptions, connectClient, numberFlag, VERSION } from "./cli.js";

class HelloEvent extends ClientEvent {
  static override etype = "HELLO";
}

class MoveBoxEvent extends ClientEvent {
  static override etype = "MOVE_BOX";
}

const spec = {
  name: "example:client",
  version: VERSION,
  summary: "sends HELLO and MOVE_BOX to a Vuer server (example:server) and exits",
  usage: ["[--uri ws://127.0.0.1:8012] [--linger-ms 1000]"],
  options: {
    ...clientOptions,
    "linger-ms": {
      type: "string",
      valueName: "MS",
      default: "1000",
      description: "stay connected this long after sending",
    },
  },
  examples: ["pnpm --filter @proj/vuer example:client -- --uri ws://127.0.0.1:8012"],
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  const lingerMs = numberFlag(values, "linger-ms");
  await using client = await connectClient(values, intFlag(values, "retries", { max: 1000 }) as number);

  client.sendNow(new HelloEvent({ value: { message: "Hi!" } })); // fire-and-forget (`client.send @ ...`)
  await client.send(new MoveBoxEvent({ value: { position: [1, 0.5, 0] } })); // awaitable
  console.log("Events sent!");
  await new Promise((r) => setTimeout(r, lingerMs));
});
