import { CliError, intFlag, UsageError } from "@proj/ws-core/cli";
import { DEFAULT_HOST, DEFAULT_REST_PORT, DEFAULT_WS_PORT } from "../protocol/constants.js";
import { startBridgeServer } from "../server/index.js";
import { list, onShutdownSignal, type Subcommand, secondsFlag, stringValue, tokenOption } from "./args.js";

const NO_TOKEN_WARNING =
  "chrome-bridge: warning: no --token: any local process or browser extension may connect, and the first executor to connect gets every command (typed text included) until it disconnects; pass --token T to require one";

export const serve: Subcommand = {
  summary: "run the bridge server (REST for commands, WebSocket for executors)",
  usage: ["[options]"],
  options: {
    host: { type: "string", valueName: "HOST", default: DEFAULT_HOST, description: "address to listen on" },
    port: {
      type: "string",
      short: "p",
      valueName: "PORT",
      default: String(DEFAULT_REST_PORT),
      description: "REST port, with the WebSocket at /ws (0 picks a free one)",
    },
    "ws-port": {
      type: "string",
      valueName: "PORT|off",
      default: String(DEFAULT_WS_PORT),
      description: "standalone WebSocket port for executors (0 picks a free one; off: only /ws on the REST port)",
    },
    timeout: {
      type: "string",
      valueName: "SECONDS",
      default: "30",
      description: "how long a REST call waits for the executor's answer (then 504)",
    },
    token: { ...tokenOption, description: "require this token on REST and WebSocket ($CHROME_BRIDGE_TOKEN)" },
    "allow-origin": {
      type: "string",
      valueName: "ORIGIN,...",
      description: "web origins besides chrome-extension:// and the server's own pages that may call it",
    },
    "command-format": {
      type: "string",
      valueName: "auto|envelope|bare",
      default: "auto",
      description:
        "how commands go to executors: auto (envelope, bare for an executor that rejects it, as upstream's extension does), envelope or bare",
    },
    "allow-host": {
      type: "string",
      valueName: "NAME,...|'*'",
      description: "Host names accepted besides this machine's ('*': no Host check)",
    },
  },
  examples: ["chrome-bridge serve --token secret", "chrome-bridge serve --port 0 --ws-port off"],
  async run({ values }) {
    const port = intFlag(values, "port", { max: 65535 }) as number;
    const wsPortFlag = stringValue(values, "ws-port");
    const wsPort = wsPortFlag === "off" ? false : (intFlag(values, "ws-port", { max: 65535 }) as number);
    const timeout = secondsFlag(values, "timeout");
    const token = stringValue(values, "token") ?? process.env.CHROME_BRIDGE_TOKEN;
    const allowHost = stringValue(values, "allow-host");
    const commandFormat = stringValue(values, "command-format") ?? "auto";
    if (commandFormat !== "auto" && commandFormat !== "envelope" && commandFormat !== "bare")
      throw new UsageError(`--command-format must be auto, envelope or bare, not ${JSON.stringify(commandFormat)}`);
    if (port !== 0 && port === wsPort)
      throw new UsageError(`--port and --ws-port are both ${port}: give them different ports (or --ws-port off)`);
    let server: Awaited<ReturnType<typeof startBridgeServer>>;
    try {
      server = await startBridgeServer({
        host: stringValue(values, "host"),
        port,
        wsPort,
        ...(timeout !== undefined ? { commandTimeoutMs: timeout * 1000 } : {}),
        token,
        commandFormat,
        allowedOrigins: list(stringValue(values, "allow-origin")),
        allowedHosts: allowHost === "*" ? "*" : list(allowHost),
        log: (line) => console.error(`chrome-bridge: ${line}`),
      });
    } catch (err) {
      throw busyPort(err, port, wsPort) ?? err;
    }
    const a = server.addresses;
    onShutdownSignal(() => server.close());
    if (!token) console.error(NO_TOKEN_WARNING);
    console.error(`extensions: ${a.wsUrl ?? "(standalone port off)"} and ${a.restWsUrl}`);
    console.log(`listening on ${a.url}`);
    return undefined; // runs until SIGINT/SIGTERM
  },
};

/** A busy port in words, naming the flag that chose it. */
function busyPort(err: unknown, port: number, wsPort: number | false): CliError | undefined {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code !== "EADDRINUSE") return undefined;
  const flag = e.port === port ? "--port" : "--ws-port";
  const other = flag === "--ws-port" && wsPort !== false ? `, or ${flag} off` : "";
  return new CliError(
    `port ${e.port}${e.address ? ` on ${e.address}` : ""} (${flag}) is already in use: stop what is using it, or pick another port (${flag} 0 picks a free one${other})`,
  );
}
