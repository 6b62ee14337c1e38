#!/usr/bin/env node
// The `wsh` command: one shell on a PTY, served over REST, /ws/raw and /ws/json.
import { resolveAuthToken } from "../server/auth.js";
import { WshServer } from "../server/server.js";
import { parseArgs, USAGE, UsageError } from "./args.js";
import { attachLocalTerminal } from "./attached.js";

async function main(argv: string[]): Promise<void> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wsh: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
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
    process.stderr.write(`wsh: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const { token, viewerToken, generated } = auth;
  if (generated) {
    const why = viewerToken === undefined ? "required for non-localhost" : "owner token; the viewer token is read-only";
    process.stderr.write(`wsh: API token (${why}): ${token}\n`);
  } else if (args.token && token === undefined) {
    process.stderr.write("wsh: --token is ignored on a loopback bind (no auth there unless a viewer token is set)\n");
  }

  const server = new WshServer({
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
    ...(args.command ? { command: args.command, args: args.args } : {}),
  });
  let listening: Awaited<ReturnType<WshServer["listen"]>>;
  try {
    listening = await server.listen({ host: args.host, port: args.port });
  } catch (err) {
    process.stderr.write(`wsh: cannot listen on ${args.host}:${args.port}: ${(err as Error).message}\n`);
    await server.close();
    process.exit(1);
  }
  process.stdout.write(`listening on ${listening.url}\n`);
  const detach = attached ? attachLocalTerminal(server.session) : () => {};

  const stop = () => void server.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.once("SIGHUP", stop);
  await server.closed;
  detach();
  process.exit(0);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`wsh: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
