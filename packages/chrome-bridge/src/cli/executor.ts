import { DEFAULT_SERVER_WS_URL } from "../protocol/constants.js";
import { startNodeExecutor } from "../executor/index.js";
import { onShutdownSignal, type ParsedArgs, stringFlag } from "./args.js";

/** `chrome-bridge executor [--server ws://127.0.0.1:8766] [--chromium PATH | --cdp ws://...] [--token T] [--headful]` */
export async function executor(args: ParsedArgs): Promise<void> {
  const server = stringFlag(args, "server") ?? DEFAULT_SERVER_WS_URL;
  const cdp = stringFlag(args, "cdp");
  const chromium = stringFlag(args, "chromium");
  const token = stringFlag(args, "token") ?? process.env.CHROME_BRIDGE_TOKEN;
  const ex = await startNodeExecutor({
    url: server,
    ...(token ? { token } : {}),
    ...(cdp
      ? { cdp }
      : { launch: { ...(chromium ? { executablePath: chromium } : {}), headless: !args.flags.has("headful") } }),
  });
  onShutdownSignal(() => ex.close());
  ex.agent.on("status", (s) => console.error(`server connection: ${s}`));
  void ex.closed.then(({ reason }) => {
    if (reason !== "browser-lost") return;
    console.error("chrome-bridge: lost the connection to the browser");
    process.exit(1);
  });
  await ex.agent.ready();
  console.log(`executor connected to ${server} (browser ${ex.wsEndpoint})`);
}
