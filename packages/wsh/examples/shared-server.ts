// One HTTP server, one port, wsh mounted under /wsh next to other routes (how the demo app hosts it).
// Run: pnpm --filter @proj/wsh example:shared-server [-- --port 8080]
import { createServer } from "node:http";
import { intFlag, parseCli, runCli } from "@proj/ws-core/cli";
import { listen, UpgradeRouter } from "@proj/ws-core/server";
import { WshServer } from "@proj/wsh/server";
import pkg from "../package.json" with { type: "json" };
import { onStop, stopHint } from "./stop.js";

const spec = {
  name: "wsh-example-shared-server",
  version: pkg.version,
  summary: "an HTTP server on 127.0.0.1 with wsh mounted under /wsh (running /bin/sh)",
  usage: ["[--port N]"],
  options: {
    port: {
      type: "string",
      short: "p",
      valueName: "N",
      default: "0",
      description: "port to listen on (0: a free one)",
    },
  },
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  const port = intFlag(values, "port", { max: 65535 }) ?? 0;
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
});
