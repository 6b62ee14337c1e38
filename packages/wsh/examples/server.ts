// Run: pnpm --filter @proj/wsh example:server
import { startWshServer } from "@proj/wsh/server";

const server = await startWshServer({ command: process.env.SHELL ?? "/bin/sh", cols: 100, rows: 30, port: 0 });
console.log(`listening on ${server.url}`);
const stop = () => void server.close();
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
const exit = await server.closed; // the shell exited; every socket got 1000 "server shutting down"
console.log("shell exited", exit);
