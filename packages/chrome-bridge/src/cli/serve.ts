import { startBridgeServer } from "../server/index.js";
import { numberFlag, onShutdownSignal, type ParsedArgs, stringFlag, UsageError } from "./args.js";

function portFlag(args: ParsedArgs, name: string): number | undefined {
  const n = numberFlag(args, name);
  if (n !== undefined && (!Number.isInteger(n) || n > 65535))
    throw new UsageError(`--${name} must be a port number (0-65535)`);
  return n;
}

const list = (v: string | undefined) =>
  v
    ? v
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean)
    : [];

const NO_TOKEN_WARNING =
  "chrome-bridge: warning: no --token: any local process or browser extension may connect, and the first executor to connect gets every command (typed text included) until it disconnects; pass --token T to require one";

/** `chrome-bridge serve [--host --port --ws-port --timeout --token --allow-origin a,b --allow-host a,b]` */
export async function serve(args: ParsedArgs): Promise<void> {
  const timeout = numberFlag(args, "timeout");
  if (timeout === 0) throw new UsageError("--timeout must be more than 0 seconds");
  const wsPortFlag = stringFlag(args, "ws-port");
  const token = stringFlag(args, "token") ?? process.env.CHROME_BRIDGE_TOKEN;
  const allowHost = stringFlag(args, "allow-host");
  const server = await startBridgeServer({
    host: stringFlag(args, "host"),
    port: portFlag(args, "port"),
    wsPort: wsPortFlag === "off" ? false : portFlag(args, "ws-port"),
    ...(timeout !== undefined ? { commandTimeoutMs: timeout * 1000 } : {}),
    token,
    allowedOrigins: list(stringFlag(args, "allow-origin")),
    allowedHosts: allowHost === "*" ? "*" : list(allowHost),
    log: (line) => console.error(`chrome-bridge: ${line}`),
  });
  const a = server.addresses;
  onShutdownSignal(() => server.close());
  if (!token) console.error(NO_TOKEN_WARNING);
  console.error(`extensions: ${a.wsUrl ?? "(standalone port off)"} and ${a.restWsUrl}`);
  console.log(`listening on ${a.url}`);
}
