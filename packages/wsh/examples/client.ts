// Connects to a running wsh server, types a command through REST, watches it on /ws/json and /ws/raw,
// and prints the screen. Start a server first (it prints "listening on URL"), then pass that URL:
//   pnpm --filter @proj/wsh example:server
//   pnpm --filter @proj/wsh example:client -- http://127.0.0.1:PORT
import { CliError, parseCli, runCli, UsageError } from "@proj/ws-core/cli";
import { NodeWebSocket } from "@proj/ws-core/node";
import { WshJsonClient, WshRawClient, WshRest } from "@proj/wsh/client";
import pkg from "../package.json" with { type: "json" };

const spec = {
  name: "wsh-example-client",
  version: pkg.version,
  summary: "types a command into a wsh server and prints what it shows",
  usage: ["[--token T] [URL]   (URL default http://127.0.0.1:8080)"],
  positionals: true,
  options: {
    token: { type: "string", valueName: "T", description: "the server's token, if it requires one" },
  },
  examples: ["wsh-example-client http://127.0.0.1:8080"],
} as const;

/** GET /health until it answers: a few tries over about 5 s, then a clear failure (never a silent wait). */
async function reachable(rest: WshRest, url: string): Promise<void> {
  let last: unknown;
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      await rest.health(AbortSignal.timeout(3000));
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
  const e = last as { message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code;
  const cause =
    code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ENOTFOUND"
        ? "no such host"
        : (code ?? e?.cause?.message ?? e?.message ?? String(last));
  throw new CliError(
    `cannot connect to ${url} (${cause}): is a wsh server running there? (pnpm --filter @proj/wsh example:server starts one)`,
  );
}

await runCli(spec, async () => {
  const { values, positionals } = parseCli(spec);
  if (positionals.length > 1) throw new UsageError(`expected one URL, got ${positionals.length} arguments`);
  const url = positionals[0] ?? "http://127.0.0.1:8080";
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`expected a URL like http://127.0.0.1:8080, got '${url}'`);
  const token = values.token as string | undefined;
  const auth = token ? { token } : {};

  console.log(`connecting to ${url} ...`);
  const rest = new WshRest({ url, ...auth });
  await reachable(rest, url);
  // Give up on the sockets after 3 failed attempts instead of retrying forever.
  const socket = { maxRetries: 3 };
  const json = new WshJsonClient({ url, ...auth, WebSocket: NodeWebSocket, format: "plain", socket });
  const raw = new WshRawClient({ url, ...auth, WebSocket: NodeWebSocket, socket });
  try {
    await json.nextSync(AbortSignal.timeout(15_000)).catch((err) => {
      throw new CliError(`connected to ${url}, but /ws/json did not answer: ${(err as Error).message}`);
    });
    raw.on("data", (bytes) =>
      process.stdout.write(`raw: ${JSON.stringify(new TextDecoder().decode(bytes)).slice(0, 80)}\n`),
    );

    const echoed = () => json.model.text().some((line) => line.trim() === "hello from the example");
    await rest.input("echo hello from the example\r");
    // Every event as it arrives (the model is already updated); stop once the echo is on the screen.
    for await (const _event of json.events(AbortSignal.timeout(15_000))) {
      if (echoed()) break;
    }
    if (!echoed()) throw new CliError("the shell did not echo within 15 s");
    console.log(json.model.text().filter(Boolean).join("\n"));
  } finally {
    await Promise.all([json.close(), raw.close()]);
  }
});
