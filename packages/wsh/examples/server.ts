// A wsh server for your shell on a free port (or --port N): prints "listening on URL", runs until the
// shell exits or Ctrl-C. Run: pnpm --filter @proj/wsh example:server [-- --port 8080]
import { startWshServer } from "@proj/wsh/server";
import { onStop, runServerExample, stopHint } from "./stop.js";

await runServerExample(
  "wsh-example-server",
  "serves your shell over wsh's REST, /ws/raw and /ws/json on 127.0.0.1",
  async (port) => {
    const server = await startWshServer({ command: process.env.SHELL || "/bin/sh", cols: 100, rows: 30, port });
    console.log(`listening on ${server.url}${stopHint}`);
    const done = onStop(() => void server.close()); // close(): ends the shell, closes every socket with 1000
    await server.closed; // the shell exited (typed `exit`, or close()); every socket got 1000 "server shutting down"
    done();
    console.log("stopped");
  },
);
