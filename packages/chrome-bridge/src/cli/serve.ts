import { startBridgeServer } from "../server/index.js";
import { numberFlag, onShutdownSignal, type ParsedArgs, stringFlag } from "./args.js";

/** `chrome-bridge serve [--host --port --ws-port --timeout --token]` */
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
  });
  const a = server.addresses;
  onShutdownSignal(() => server.close());
  console.error(`extensions: ${a.wsUrl ?? "(standalone port off)"} and ${a.restWsUrl}`);
  console.log(`listening on ${a.url}`);
}
