#!/usr/bin/env node
// pikvm-emulator: a kvmd-compatible PiKVM emulator (/api/ws + REST + virtual console) for development and demos.
import { readFile } from "node:fs/promises";
import { CliError, type CliSpec, intFlag, parseCli, runCli, UsageError } from "@proj/ws-core/cli";
import { PiKVMEmulator } from "../server/emulator.js";
import type { GpioModel } from "../server/virtual-gpio.js";
import { VERSION } from "./version.js";

const spec = {
  name: "pikvm-emulator",
  version: VERSION,
  summary: "a kvmd-compatible PiKVM emulator (/api/ws, REST, virtual console) for development and demos",
  usage: ["[options]"],
  options: {
    host: { type: "string", valueName: "HOST", default: "127.0.0.1", description: "address to listen on" },
    port: { type: "string", short: "p", valueName: "PORT", default: "8080", description: "port (0 picks a free one)" },
    user: { type: "string", valueName: "USER", default: "admin", description: "the user kvmd's auth accepts" },
    passwd: { type: "string", valueName: "PASSWD", default: "admin", description: "that user's password" },
    "no-auth": { type: "boolean", description: "accept every request without credentials" },
    tls: {
      type: "boolean",
      description: "serve HTTPS/WSS with a fresh self-signed certificate (made with the system's openssl)",
    },
    "tls-cert": { type: "string", valueName: "FILE", description: "serve HTTPS/WSS with this PEM certificate" },
    "tls-key": { type: "string", valueName: "FILE", description: "the PEM private key for --tls-cert" },
    "base-path": { type: "string", valueName: "/PREFIX", description: "serve everything under this path prefix" },
    "static-dir": {
      type: "string",
      valueName: "DIR",
      description: "serve files from DIR for non-API paths (e.g. a locally exported kvmd web UI)",
    },
    "msd-dir": {
      type: "string",
      valueName: "DIR",
      description: "keep virtual media images in DIR (default: a temporary directory, removed on exit)",
    },
    "msd-size": {
      type: "string",
      valueName: "BYTES",
      default: String(256 * 1024 * 1024),
      description: "size of the virtual media storage; uploads that do not fit are refused",
    },
    gpio: {
      type: "string",
      valueName: "FILE",
      description: 'GPIO channels as JSON: {"inputs": {"led": {}}, "outputs": {"relay": {"switch": true}}}',
    },
    "heartbeat-ms": {
      type: "string",
      valueName: "MS",
      default: "15000",
      description: "WebSocket heartbeat interval (0 turns it off)",
    },
    "allow-origin": {
      type: "string",
      valueName: "ORIGIN,...",
      description: "browser origins besides the emulator's own pages that may use REST and /api/ws",
    },
    "allow-host": {
      type: "string",
      valueName: "NAME,...|'*'",
      description: "Host names accepted besides this machine's on a loopback bind ('*': no Host check)",
    },
  },
  examples: [
    "pikvm-emulator --port 8080 --passwd secret",
    "pikvm-emulator --port 0 --tls",
    "pikvm-emulator --allow-origin http://localhost:5173 --allow-host kvm.lan",
  ],
} satisfies CliSpec;

async function main(): Promise<void> {
  const { values } = parseCli(spec);
  const port = intFlag(values, "port", { max: 65535 }) as number;
  const heartbeatMs = intFlag(values, "heartbeat-ms") as number;
  const msdStorageBytes = intFlag(values, "msd-size", { min: 0 }) as number;
  const gpioFile = values.gpio as string | undefined;
  let gpio: GpioModel | undefined;
  if (gpioFile) {
    try {
      gpio = JSON.parse(await readFile(gpioFile, "utf8")) as GpioModel;
    } catch (err) {
      throw new CliError(`cannot read --gpio ${gpioFile}: ${(err as Error).message}`);
    }
  }
  const cert = values["tls-cert"] as string | undefined;
  const key = values["tls-key"] as string | undefined;
  if (Boolean(cert) !== Boolean(key)) throw new UsageError("--tls-cert and --tls-key go together");
  const tls =
    cert && key ? { cert: await readPem(cert), key: await readPem(key) } : values.tls ? (true as const) : undefined;
  const allowOrigin = values["allow-origin"] as string | undefined;
  const allowHost = values["allow-host"] as string | undefined;
  const emulator = new PiKVMEmulator({
    user: values.user as string,
    passwd: values.passwd as string,
    basePath: (values["base-path"] as string | undefined) ?? "",
    authEnabled: !values["no-auth"],
    ...(values["static-dir"] ? { staticDir: values["static-dir"] as string } : {}),
    heartbeatMs,
    msdStorageBytes,
    ...(values["msd-dir"] ? { msdDir: values["msd-dir"] as string } : {}),
    ...(gpio ? { gpio } : {}),
    access: {
      ...(allowOrigin ? { allowedOrigins: list(allowOrigin) } : {}),
      ...(allowHost ? { allowedHosts: allowHost === "*" ? "*" : list(allowHost) } : {}),
    },
  });
  const addr = await emulator.listen({ host: values.host as string, port, ...(tls ? { tls } : {}) });
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

async function readPem(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function list(raw: string): string[] {
  return raw
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

void runCli(spec, main);
