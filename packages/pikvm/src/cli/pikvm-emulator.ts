#!/usr/bin/env node
// pikvm-emulator: a kvmd-compatible PiKVM emulator (/api/ws + REST + virtual console) for development and demos.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { PiKVMEmulator } from "../server/emulator.js";

const USAGE = `usage: pikvm-emulator [--host 127.0.0.1] [--port 8080] [--user admin] [--passwd admin]
                      [--tls] [--tls-cert FILE --tls-key FILE] [--base-path /prefix] [--no-auth]
                      [--static-dir DIR] [--heartbeat-ms 15000]
                      [--allow-origin http://app.example,...] [--allow-host name,...|'*']
  --tls without --tls-cert/--tls-key serves a fresh self-signed certificate (made with openssl).
  --heartbeat-ms 0 turns the protocol heartbeat off.
  Browser pages from other origins than the emulator's own are refused (403) unless --allow-origin lists them;
  on a loopback bind the Host header must name this machine unless --allow-host lists it ('*': no check).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8080" },
      user: { type: "string", default: "admin" },
      passwd: { type: "string", default: "admin" },
      tls: { type: "boolean", default: false },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "base-path": { type: "string", default: "" },
      "no-auth": { type: "boolean", default: false },
      "static-dir": { type: "string" },
      "heartbeat-ms": { type: "string" },
      "allow-origin": { type: "string" },
      "allow-host": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"]))
    throw new Error("--tls-cert and --tls-key go together");
  const tls =
    values["tls-cert"] && values["tls-key"]
      ? { cert: await readFile(values["tls-cert"], "utf8"), key: await readFile(values["tls-key"], "utf8") }
      : values.tls
        ? (true as const)
        : undefined;
  const emulator = new PiKVMEmulator({
    user: values.user,
    passwd: values.passwd,
    basePath: values["base-path"],
    authEnabled: !values["no-auth"],
    ...(values["static-dir"] ? { staticDir: values["static-dir"] } : {}),
    ...(values["heartbeat-ms"] !== undefined ? { heartbeatMs: heartbeatMs(values["heartbeat-ms"]) } : {}),
    access: {
      ...(values["allow-origin"] ? { allowedOrigins: list(values["allow-origin"]) } : {}),
      ...(values["allow-host"]
        ? { allowedHosts: values["allow-host"] === "*" ? "*" : list(values["allow-host"]) }
        : {}),
    },
  });
  const addr = await emulator.listen({ host: values.host, port, ...(tls ? { tls } : {}) });
  process.stdout.write(`listening on ${addr.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: shutting down\n`);
    emulator.close({ graceMs: 2000 }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

function list(raw: string): string[] {
  return raw
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

function heartbeatMs(raw: string): number {
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`invalid --heartbeat-ms ${raw}`);
  return ms;
}

main().catch((err) => {
  process.stderr.write(`pikvm-emulator: ${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
});
