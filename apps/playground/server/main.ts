// The playground: all five protocol servers in one Node process on one port, plus the page.
// Usage: tsx --conditions @proj/source server/main.ts [--port 4400] [--host 127.0.0.1] [--build]
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CliError, intFlag, parseCli, runCli, UsageError } from "@proj/ws-core/cli";
import pkg from "../package.json" with { type: "json" };
import { startPlayground } from "./host.js";
import { mountBlackjack } from "./protocols/cardsharp.js";
import { mountBrowser } from "./protocols/chrome-bridge.js";
import { mountKvm } from "./protocols/pikvm.js";
import { mountScene } from "./protocols/vuer.js";
import { mountTerminal } from "./protocols/wsh.js";

const spec = {
  name: "playground",
  version: pkg.version,
  summary: "all five protocol servers on one port, with a page that drives each through its browser client",
  usage: ["[--port N] [--host ADDRESS] [--allow-origin ORIGIN]... [--build]"],
  options: {
    port: {
      type: "string",
      short: "p",
      valueName: "N",
      default: process.env.PORT ?? "4400",
      description: "port to listen on; 0 picks a free one (also $PORT)",
    },
    host: {
      type: "string",
      valueName: "ADDRESS",
      default: "127.0.0.1",
      description: "address to bind; anything but loopback exposes a shell to the network",
    },
    "allow-origin": {
      type: "string",
      multiple: true,
      valueName: "ORIGIN",
      description: "another web origin allowed to use the servers (e.g. a dev server)",
    },
    "allow-host": {
      type: "string",
      multiple: true,
      valueName: "NAME",
      description: "another Host name to accept on a loopback bind",
    },
    build: { type: "boolean", description: "build the page first (the demo command does)" },
  },
  examples: ["pnpm demo", "PORT=0 pnpm demo", "pnpm --filter @proj/app-playground start -- --port 0"],
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  const port = intFlag(values, "port", { max: 65535 });
  if (port === undefined) throw new UsageError("--port is required");
  const list = (name: string) => (values[name] as string[] | undefined)?.flatMap((v) => v.split(",")).filter(Boolean);

  // Build the page first when asked (the demo command) or when it was never built.
  const appDir = fileURLToPath(new URL("..", import.meta.url));
  if (values.build || !existsSync(`${appDir}/dist/web/index.html`)) {
    const { build } = await import("vite");
    console.error("building the page...");
    await build({ root: `${appDir}/web`, configFile: `${appDir}/vite.config.ts`, logLevel: "warn" });
  }

  const origins = list("allow-origin");
  const hosts = list("allow-host");
  const playground = await startPlayground({
    host: values.host as string,
    port,
    mounts: [mountTerminal, mountKvm, mountScene, mountBlackjack, mountBrowser],
    log: (line) => console.error(line),
    ...(origins?.length ? { allowedOrigins: origins } : {}),
    ...(hosts?.length ? { allowedHosts: hosts } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    // The demo command's port is fixed: say how to pick another.
    if (err.code === "EADDRINUSE")
      throw new CliError(
        `port ${port} is already in use: pick another with PORT=0 pnpm demo (any free port) or --port N`,
      );
    throw err;
  });
  console.log(`listening on ${playground.url}`);
  console.log(`open ${playground.url}/ in a browser`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.error("stopping...");
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    await playground.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.on("SIGHUP", stop);
  // In a terminal, Ctrl-C would signal pnpm too, and pnpm reports any script it sees interrupted as
  // "ELIFECYCLE Command failed" however cleanly it ends. So read Ctrl-C (and Ctrl-D, q) as keys instead
  // of letting the terminal turn them into signals, and end with exit code 0.
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.on("data", (keys: Buffer) => {
      if (keys.includes(3) || keys.includes(4) || keys.includes(0x71)) void stop();
    });
    console.log("press Ctrl-C (or q) to stop");
  }
});
