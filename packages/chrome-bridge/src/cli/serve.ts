import { startBridgeServer } from "../server/index.js";
import { numberFlag, onShutdownSignal, type ParsedArgs, stringFlag } from "./args.js";

const list = (v: string | undefined) =>
  v
    ? v
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
    : [];

/** `chrome-bridge serve [--host --port --ws-port --timeout --token --allow-origin a,b --allow-host a,b]` */
export async function serve(args: ParsedArgs): Promise<void> {
  const host = stringFlag(args, "host") ?? "127.0.0.1";
  const timeout = numberFlag(args, "timeout");
  const wsPortFlag = stringFlag(args, "ws-port");
  const server = await startBridgeServer({
    host,
    port: numberFlag(args, "port") ?? 8765,
    wsPort: wsPortFlag === "off" ? false : (numberFlag(args, "ws-port") ?? 8766),
    ...(timeout !== undefined ? { commandTimeoutMs: timeout * 1000 } : {}),
    token: stringFlag(args, "token") ?? process.env.CHROME_BRIDGE_TOKEN,
    allowedOrigins: list(stringFlag(args, "allow-origin")),
    allowedHosts: list(stringFlag(args, "allow-host")),
  });
  const a = server.addresses;
  onShutdownSignal(() => server.close());
  console.error(`extensions: ${a.wsUrl ?? "(standalone port off)"} and ${a.restWsUrl}`);
  console.log(`listening on ${a.url}`);
}
