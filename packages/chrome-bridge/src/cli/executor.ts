import { CliError, intFlag, UsageError } from "@proj/ws-core/cli";
import { startNodeExecutor } from "../executor/index.js";
import { DEFAULT_SERVER_WS_URL } from "../protocol/constants.js";
import { onShutdownSignal, type Subcommand, stringValue, tokenOption } from "./args.js";

export const executor: Subcommand = {
  summary: "run the Node executor: Chromium over CDP, connected to the server",
  usage: ["[options]"],
  options: {
    server: {
      type: "string",
      valueName: "URL",
      default: DEFAULT_SERVER_WS_URL,
      description: "the server's WebSocket (serve's --ws-port, or /ws on its REST port)",
    },
    chromium: {
      type: "string",
      valueName: "PATH",
      description: "the Chromium to launch ($CHROMIUM_PATH, else /usr/bin/chromium)",
    },
    cdp: {
      type: "string",
      valueName: "URL",
      description: "attach to a running browser's CDP endpoint (ws://.../devtools/browser/...) instead",
    },
    headful: { type: "boolean", description: "show the browser window (headless by default)" },
    token: tokenOption,
    dialogs: {
      type: "string",
      valueName: "dismiss|accept|leave",
      default: "dismiss",
      description:
        "JavaScript dialogs: dismiss or accept at once (reported in the command's answer), or leave open for the dialog command",
    },
    "connect-attempts": {
      type: "string",
      valueName: "N",
      default: "4",
      description: "give up when the first N connection attempts fail (0: keep trying); later drops always reconnect",
    },
  },
  examples: ["chrome-bridge executor", "chrome-bridge executor --server ws://127.0.0.1:8765/ws --token secret"],
  async run({ values }) {
    const server = stringValue(values, "server") as string;
    const cdp = stringValue(values, "cdp");
    const chromium = stringValue(values, "chromium");
    const token = stringValue(values, "token") ?? process.env.CHROME_BRIDGE_TOKEN;
    const attempts = intFlag(values, "connect-attempts", { max: 1000 }) as number;
    if (cdp && chromium) throw new UsageError("--chromium and --cdp exclude each other");
    const dialogs = stringValue(values, "dialogs") ?? "dismiss";
    if (dialogs !== "dismiss" && dialogs !== "accept" && dialogs !== "leave")
      throw new UsageError(`--dialogs must be dismiss, accept or leave, not ${JSON.stringify(dialogs)}`);
    const ex = await startNodeExecutor({
      url: server,
      dialogs,
      ...(token ? { token } : {}),
      ...(cdp ? { cdp } : { launch: { ...(chromium ? { executablePath: chromium } : {}), headless: !values.headful } }),
    });
    onShutdownSignal(() => ex.close());
    void ex.closed.then(({ reason }) => {
      if (reason !== "browser-lost") return;
      console.error("chrome-bridge: lost the connection to the browser");
      process.exit(1);
    });

    // The first connection is bounded: a wrong --server or a server that is not running fails within seconds.
    console.error(`chrome-bridge: connecting to ${server}...`);
    let failures = 0;
    let lastError: Error | undefined;
    // Kept for good: the socket reports each failed attempt as an error, which must always have a listener.
    ex.agent.socket.on("error", (err) => {
      lastError = err;
    });
    const gaveUp = new Promise<never>((_, reject) => {
      const offClose = ex.agent.socket.on("close", () => {
        if (++failures < attempts || attempts === 0) return;
        offClose();
        reject(
          new CliError(
            `cannot connect to ${server}: ${lastError?.message ?? "connection failed"} (${failures} attempt${failures === 1 ? "" : "s"}; is chrome-bridge serve running there?)`,
          ),
        );
      });
      void ex.agent.ready().then(offClose, offClose);
    });
    try {
      await Promise.race([ex.agent.ready(), gaveUp]);
    } catch (err) {
      await ex.close(); // and the Chromium it launched
      throw err;
    }
    ex.agent.on("status", (s) => console.error(`chrome-bridge: server connection: ${s}`));
    console.log(`executor connected to ${server} (browser ${ex.wsEndpoint})`);
    return undefined; // runs until SIGINT/SIGTERM
  },
};
