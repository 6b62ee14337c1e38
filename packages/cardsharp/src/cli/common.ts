// What the cardsharp commands (and the examples) share: the version, URL checks, and a client that says
// what it is doing while it connects, retries a bounded number of times, and then fails with one line.
import { describeConnectionError, wsUrlFlag as checkWsUrl } from "@proj/ws-core/cli";
import pkg from "../../package.json" with { type: "json" };
import type { CardsharpClient } from "../client/cardsharp-client.js";

/** This package's version (inlined into the built commands). */
export const VERSION: string = pkg.version;

/** `value` as a ws:// or wss:// URL, or a UsageError naming the flag. */
export const wsUrlFlag = (value: string, flag = "--url"): string => checkWsUrl(value, flag, "ws://127.0.0.1:8765");

export interface WatchOptions {
  url: string;
  /** Failed attempts in a row before giving up (the client's `maxRetries`). */
  retries: number;
  /** Where progress lines go (stderr by default). */
  log?: (line: string) => void;
}

/**
 * Reports a client's connection on `log`: "connecting to URL ...", each failed attempt and retry, each loss
 * and reconnect. Resolves with one line saying why, once the client has given up by itself (never when the
 * caller closes it first: check your own "finishing" flag before using the line).
 */
export function watchConnection(client: CardsharpClient, options: WatchOptions): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { url, retries } = options;
  let everConnected = false;
  let failures = 0;
  let problem: string | undefined;
  log(`connecting to ${url} ...`);
  client.on("connected", () => {
    everConnected = true;
    failures = 0;
    problem = undefined;
  });
  client.socket.on("error", (err) => {
    problem = describeConnectionError(err);
  });
  client.socket.on("close", (info) => {
    if (!info.willReconnect) return;
    failures++;
    const why =
      problem ??
      (info.code === 1006
        ? "the connection dropped"
        : `closed with ${info.code}${info.reason ? ` ${info.reason}` : ""}`);
    problem = undefined;
    log(
      `${everConnected && failures === 1 ? "lost the connection" : "cannot connect"}: ${why}; retrying (${failures} of ${retries})`,
    );
  });
  return client.socket.closed.then((info) => {
    const last = client.socket.lastError;
    const why =
      problem ??
      (last ? describeConnectionError(last) : `the server closed the connection (${info.code} ${info.reason})`.trim());
    if (!everConnected) {
      const tries = failures + 1;
      return `cannot connect to ${url}: ${why}${tries > 1 ? ` (gave up after ${tries} attempts)` : ""}`;
    }
    return `lost the connection to ${url}: ${why}${failures > 0 ? ` (gave up after ${failures} attempts to reconnect)` : ""}`;
  });
}
