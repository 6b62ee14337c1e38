// The playground: all five protocol servers in one Node process on one port, plus the page.
// Usage: tsx --conditions @proj/source server/main.ts [--port 4400] [--host 127.0.0.1] [--build]
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startPlayground } from "./host.js";
import { mountBlackjack } from "./protocols/cardsharp.js";
import { mountBrowser } from "./protocols/chrome-bridge.js";
import { mountKvm } from "./protocols/pikvm.js";
import { mountScene } from "./protocols/vuer.js";
import { mountTerminal } from "./protocols/wsh.js";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: process.env.PORT ?? "4400" },
    build: { type: "boolean", default: false },
  },
});

// Build the page first when asked (the demo command) or when it was never built.
const appDir = fileURLToPath(new URL("..", import.meta.url));
if (values.build || !existsSync(`${appDir}/dist/web/index.html`)) {
  const { build } = await import("vite");
  console.error("building the page...");
  await build({ root: `${appDir}/web`, configFile: `${appDir}/vite.config.ts`, logLevel: "warn" });
}

const playground = await startPlayground({
  host: values.host,
  port: Number(values.port),
  mounts: [mountTerminal, mountKvm, mountScene, mountBlackjack, mountBrowser],
  log: (line) => console.error(line),
});
console.log(`listening on ${playground.url}`);
console.log(`open ${playground.url}/ in a browser`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await playground.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
