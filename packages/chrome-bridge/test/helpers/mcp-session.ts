import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface McpSession {
  client: Client;
  /** The `chrome-bridge mcp` process. */
  pid: number;
  stderr(): string;
  /** Calls a tool; the result as the SDK returns it. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** `chrome-bridge mcp ARGS` from source, spawned by the SDK's own stdio transport, and an SDK client on it. */
export async function startMcpSession(args: string[]): Promise<McpSession> {
  const tsx = pathToFileURL(createRequire(join(PACKAGE_DIR, "package.json")).resolve("tsx")).href;
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--conditions", "@proj/source", "--import", tsx, "src/cli/chrome-bridge.ts", "mcp", ...args],
    cwd: PACKAGE_DIR,
    env,
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const client = new Client({ name: "chrome-bridge-test", version: "0.0.0" });
  try {
    await client.connect(transport);
  } catch (e) {
    await transport.close();
    throw new Error(`mcp did not start: ${(e as Error).message}\n${err}`);
  }
  return {
    client,
    pid: transport.pid as number,
    stderr: () => err,
    call: async (name, a = {}) =>
      (await client.callTool({ name, arguments: a }, undefined, { timeout: 120_000 })) as CallToolResult,
    close: () => client.close(),
  };
}

/** The text of a tool result's first content item. */
export function textOf(r: CallToolResult): string {
  const first = r.content[0];
  return first?.type === "text" ? first.text : "";
}

/** The JSON data line of a successful tool result (the line after the message). */
export function dataOf<T = Record<string, unknown>>(r: CallToolResult): T {
  return JSON.parse(textOf(r).split("\n")[1] as string) as T;
}

/** Processes whose parent is `pid` (Linux /proc), to check that what the server started dies with it. */
export function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) kids.push(Number(d));
    } catch {
      // Gone meanwhile.
    }
  }
  return kids;
}

/** Whether a process is still there (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
