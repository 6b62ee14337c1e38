// One HTTP server, one port, wsh mounted under /wsh next to other routes (how the demo app hosts it).
// Run: pnpm --filter @proj/wsh example:shared-server
import { createServer } from "node:http";
import { listen, UpgradeRouter } from "@proj/ws-core/server";
import { WshServer } from "@proj/wsh/server";

const wsh = new WshServer({ basePath: "/wsh", command: "/bin/sh" });
const router = new UpgradeRouter();
for (const [path, handler] of Object.entries(wsh.upgradeRoutes)) router.add(path, handler); // /wsh/ws/raw, /wsh/ws/json

const http = createServer((req, res) => {
  if (wsh.handleRequest(req, res)) return; // /wsh/health, /wsh/screen, /wsh/input, ...
  res.writeHead(404, { "Content-Type": "text/plain" });
  res.end("not found\n");
});
router.attach(http);
const { url } = await listen(http, { port: 0 });
console.log(`listening on ${url}`);
process.once("SIGINT", () => void wsh.close().then(() => http.close()));
await wsh.closed;
http.close();
