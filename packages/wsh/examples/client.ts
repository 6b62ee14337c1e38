// Run against a server: pnpm --filter @proj/wsh example:client -- http://127.0.0.1:8080
import { NodeWebSocket } from "@proj/ws-core/node";
import { lineText, WshJsonClient, WshRawClient, WshRest } from "@proj/wsh/client";

const url = process.argv[2] ?? "http://127.0.0.1:8080";
const rest = new WshRest({ url });
const json = new WshJsonClient({ url, WebSocket: NodeWebSocket, events: ["lines", "cursor", "mode"], format: "plain" });
const raw = new WshRawClient({ url, WebSocket: NodeWebSocket });

await json.nextSync();
raw.on("data", (bytes) =>
  process.stdout.write(`raw: ${JSON.stringify(new TextDecoder().decode(bytes)).slice(0, 80)}\n`),
);
await rest.input("echo hello from the example\r");
for await (const event of json.events()) {
  if (event.event === "line" && lineText(event.line).includes("hello from the example")) break;
}
console.log(json.model.text().filter(Boolean).join("\n"));
await Promise.all([json.close(), raw.close()]);
