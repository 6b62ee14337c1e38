// A wsh server for your shell on a free port (or --port N): prints "listening on URL", runs until the
// shell exits or Ctrl-C. Run: pnpm --filter @proj/wsh example:server [-- --port 8080]
import { intFlag, parseCli, runCli } from "@proj/ws-core/cli";
import { startWshServer } from "@proj/wsh/server";
import pkg from "../package.json" with { type: "json" };
import { onStop, stopHint } from "./stop.js";

const spec = {
  name: "wsh-example-server",
  version: pkg.version,
  summary: "serves your shell over wsh's REST, /ws/raw and /ws/json on 127.0.0.1",
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
  const server = await startWshServer({ command: process.env.SHELL || "/bin/sh", cols: 100, rows: 30, port });
  console.log(`listening on ${server.url}${stopHint}`);
  const done = onStop(() => void server.close()); // close(): ends the shell, closes every socket with 1000
  await server.closed; // the shell exited (typed `exit`, or close()); every socket got 1000 "server shutting down"
  done();
  console.log("stopped");
});
