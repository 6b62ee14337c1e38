// Runnable: pnpm --filter @proj/chrome-bridge example
// Mounts the bridge on an HTTP server of our own (REST under /bridge, WebSocket at /bridge/ws),
// starts the Node executor programmatically on a headless Chromium, and drives it over REST.
import { createServer } from "node:http";
import { BridgeClient } from "@proj/chrome-bridge/client";
import { startNodeExecutor } from "@proj/chrome-bridge/executor";
import { BridgeServer } from "@proj/chrome-bridge/server";
import { closeHttpServer, listen } from "@proj/ws-core/server";

const bridge = new BridgeServer({ basePath: "/bridge" });
const http = createServer((req, res) => {
  if (req.url?.startsWith("/bridge")) void bridge.handleRequest(req, res);
  else res.end("my app\n");
});
http.on("upgrade", (req, socket, head) => {
  if (req.url?.startsWith("/bridge/ws")) void bridge.handleUpgrade(req, socket, head);
  else socket.destroy();
});
const { url, wsUrl } = await listen(http); // 127.0.0.1, free port
console.log(`listening on ${url}`);

const executor = await startNodeExecutor({ url: `${wsUrl}/bridge/ws` }); // launches headless /usr/bin/chromium
await executor.agent.ready();

const client = new BridgeClient({ url: `${url}/bridge` });
const tab = await client.openTab("data:text/html,<title>demo</title><input autofocus>");
console.log(tab.message, tab.data);
await client.type("hello from the bridge ✓");
console.log((await client.press("a", ["Control"])).message);
const shot = await client.screenshot({ quality: 60 });
console.log(shot.message, `${shot.data?.width}x${shot.data?.height}`, `${shot.data?.imageData.length} chars`);
console.log((await client.tabs()).message);

await executor.close(); // also closes the Chromium it launched
await bridge.close();
await closeHttpServer(http);
