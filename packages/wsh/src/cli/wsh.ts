#!/usr/bin/env node
// The `wsh` command: one shell on a PTY, served over REST, /ws/raw and /ws/json.
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { CliError, describeCliError, runCli, UsageError } from "@proj/ws-core/cli";
import { resolveAuthToken } from "../server/auth.js";
import { WshServer } from "../server/server.js";
import { type CliArgs, parseArgs, WSH_CLI } from "./args.js";
import { attachLocalTerminal } from "./attached.js";

/** Whether `program` names an executable file, directly or on $PATH (node-pty would only fail in the child). */
function findProgram(program: string): boolean {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes("/")) return executable(program);
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir !== "" && executable(join(dir, program)));
}

function listenError(err: unknown, args: CliArgs): string {
  const e = err as NodeJS.ErrnoException;
  const where = args.host.includes(":") ? `[${args.host}]:${args.port}` : `${args.host}:${args.port}`;
  if (e?.code === "EADDRINUSE") {
    return `cannot listen on ${where}: port ${args.port} is already in use; stop what is using it, or pick another port (--bind ${args.host.includes(":") ? `[${args.host}]` : args.host}:0 picks a free one)`;
  }
  if (e?.code === "ENOTFOUND") return `cannot listen on ${where}: ${args.host} is not a known host name`;
  const described = describeCliError(err);
  return /^(cannot listen|not allowed)/.test(described) ? described : `cannot listen on ${where}: ${described}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const attached = !args.headless && process.stdin.isTTY === true && process.stdout.isTTY === true;
  const cols = args.cols ?? (attached ? process.stdout.columns : undefined) ?? 80;
  const rows = args.rows ?? (attached ? process.stdout.rows : undefined) ?? 24;
  let auth: ReturnType<typeof resolveAuthToken>;
  try {
    auth = resolveAuthToken({
      host: args.host,
      token: args.token,
      envToken: process.env.WSH_TOKEN,
      viewerToken: args.viewerToken,
      envViewerToken: process.env.WSH_VIEWER_TOKEN,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const program = args.command ?? (process.env.SHELL || "/bin/sh");
  if (!findProgram(program)) throw new CliError(`cannot run ${program}: no such program (or it is not executable)`);

  const { token, viewerToken, generated } = auth;

  let server: WshServer;
  try {
    server = newServer();
  } catch (err) {
    throw new CliError(`cannot record to ${args.record}: ${describeCliError(err)}`);
  }
  function newServer() {
    return new WshServer({
      cols,
      rows,
      token,
      viewerToken,
      bindHost: args.host,
      ...(args.allowOrigins.length > 0
        ? { allowedOrigins: args.allowOrigins.includes("*") ? ("*" as const) : args.allowOrigins }
        : {}),
      ...(args.allowHosts.length > 0
        ? { allowedHosts: args.allowHosts.includes("*") ? ("*" as const) : args.allowHosts }
        : {}),
      emulatorThread: args.emulator,
      ptyReader: args.ptyReader,
      resizePolicy: args.resizePolicy,
      readonly: args.readonly,
      ...(args.record !== undefined ? { record: { path: args.record, input: args.recordInput } } : {}),
      ...(args.clientBufferMiB !== undefined
        ? { limits: { rawHighWaterMark: args.clientBufferMiB * 1024 * 1024 } }
        : {}),
      command: program,
      args: args.args,
    });
  }
  let listening: Awaited<ReturnType<WshServer["listen"]>>;
  try {
    listening = await server.listen({ host: args.host, port: args.port });
  } catch (err) {
    await server.close();
    throw new CliError(listenError(err, args));
  }
  if (generated) {
    const why = viewerToken === undefined ? "required for non-localhost" : "owner token; the viewer token is read-only";
    process.stderr.write(`wsh: API token (${why}): ${token}\n`);
  } else if (args.token && token === undefined) {
    process.stderr.write("wsh: --token is ignored on a loopback bind (no auth there unless a viewer token is set)\n");
  }
  process.stdout.write(`listening on ${listening.url}\n`);
  if (args.record !== undefined) process.stderr.write(`wsh: recording to ${args.record}\n`);
  const detach = attached ? attachLocalTerminal(server.session) : () => {};

  const stop = () => void server.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.once("SIGHUP", stop);
  await server.closed;
  detach();
  process.exit(0);
}

void runCli(WSH_CLI, main);
