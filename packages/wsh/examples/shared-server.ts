// One HTTP server, one port, wsh mounted under /wsh next to other routes (how the demo app hosts it).
// Run: pnpm --filter @proj/wsh example:shared-server [-- --port 8080]
import { createServer } from "node:http";
import { listen, UpgradeRouter } from "@proj/ws-core/server";
import { WshServer } from "@proj/wsh/server";
import { onStop, runServerExample, stopHint } from "./stop.js";

await runServerExample(
  "wsh-example-shared-server",
  "an HTTP server on 127.0.0.1 with wsh mounted under /wsh (running /bin/sh)",
  async (port) => {
    const wsh = new WshServer({ basePath: "/wsh", command: "/bin/sh" });
    const router = new UpgradeRouter();
    for (const [path, handler] of Object.entries(wsh.upgradeRoutes)) router.add(path, handler); // /wsh/ws/raw, /wsh/ws/json

    const http = createServer((req, res) => {
      if (wsh.handleRequest(req, res)) return; // /wsh/health, /wsh/screen, /wsh/input, ...
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not found\n");
    });
    router.attach(http);
    try {
      const { url } = await listen(http, { port });
      console.log(`listening on ${url} (wsh under ${url}/wsh)${stopHint}`);
    } catch (err) {
      await wsh.close();
      throw err;
    }
    const done = onStop(() => void wsh.close());
    await wsh.closed; // the shell exited, or Ctrl-C
    done();
    http.close();
    console.log("stopped");
  },
);
