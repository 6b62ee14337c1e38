import { join } from "node:path";
import { expect } from "vitest";
import { connectTestClient, type TestClient, trackLeftover, waitFor, tempDir } from "@proj/ws-core/testing";
import { lineText } from "../src/protocol/screen.js";
import { startWsServer } from "@proj/ws-core/server";
import { startWshServer, WshServer, type WshServerOptions } from "../src/server/index.js";
import { PtyProcess } from "../src/server/terminal/pty.js";
import type { SharedBatch } from "../src/server/terminal/shared-join.js";

export type Started = WshServer & { url: string };

/** A wsh server on 127.0.0.1:0 running /bin/sh with a fixed prompt, closed by disposeLeftovers. */
export async function startShell(options: WshServerOptions = {}): Promise<Started> {
  const server = await startWshServer({
    command: "/bin/sh",
    env: { PS1: "$ ", ENV: "" },
    cols: 80,
    rows: 24,
    heartbeatMs: false,
    closeGraceMs: 500,
    ...options,
  });
  trackLeftover(() => server.close());
  await waitFor(() => screenText(server).includes("$"), { timeoutMs: 15_000, message: "prompt" });
  return server;
}

/** A WshServer running /bin/sh that does not listen (its routes go on a shared server), closed by disposeLeftovers. */
export function shellForMount(options: WshServerOptions = {}): WshServer {
  const wsh = new WshServer({ command: "/bin/sh", env: { PS1: "$ ", ENV: "" }, heartbeatMs: false, ...options });
  trackLeftover(() => wsh.close());
  return wsh;
}

/** `shellForMount` on ws-core's startWsServer: a shared server holding wsh's routes, both closed by disposeLeftovers. */
export async function mountShell(options: WshServerOptions = {}) {
  const wsh = shellForMount(options);
  const shared = await startWsServer({ routes: { ...wsh.upgradeRoutes }, onRequest: wsh.requestListener });
  trackLeftover(() => shared.close());
  return { wsh, shared };
}

export function screenText(server: WshServer): string {
  return server.session.emulator
    .screen("plain")
    .lines.map((l) => lineText(l))
    .join("\n");
}

/** Waits until the plain screen contains `text` (a generous bound: the shell may be slow on a busy machine). */
export function waitForScreen(server: WshServer, text: string | RegExp, timeoutMs = 15_000): Promise<unknown> {
  return waitFor(() => (typeof text === "string" ? screenText(server).includes(text) : text.test(screenText(server))), {
    timeoutMs,
    message: `screen to show ${text}`,
  });
}

export function wsBase(server: Started): string {
  return server.url.replace(/^http/, "ws");
}

export async function input(server: Started, data: string): Promise<void> {
  const r = await fetch(`${server.url}/input`, { method: "POST", body: data });
  if (r.status !== 204) throw new Error(`POST /input -> ${r.status}`);
}

/** A /ws/json socket after `connected`, the ack and the subscribe-time sync. */
export async function subscribeJson(
  server: Started,
  sub: Record<string, unknown> = { events: ["lines", "cursor", "mode"] },
): Promise<{ client: TestClient; sync: any }> {
  const client = await connectTestClient(`${wsBase(server)}/ws/json`);
  expect(await client.nextJson()).toEqual({ connected: true });
  client.send(sub);
  expect(await client.nextJson()).toEqual({ subscribed: sub.events });
  const sync = await client.nextJson();
  expect(sync.event).toBe("sync");
  return { client, sync };
}

/** Every JSON message received so far. */
export function jsonReceived(client: TestClient): any[] {
  return client.received.map((m) => JSON.parse(typeof m === "string" ? m : new TextDecoder().decode(m)));
}

export const decoder = new TextDecoder();
export function bytesText(chunks: Array<string | Uint8Array>): string {
  return chunks.map((c) => (typeof c === "string" ? c : decoder.decode(c))).join("");
}

/** A path in a fresh temporary folder (removed after the test) whose creation tells a shell loop to stop. */
export function stopFile(): string {
  return join(tempDir("wsh-test-"), "stop");
}

/** `seq 1 n` as a PTY hands it out: "1\r\n2\r\n…". */
export const numberedLines = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\r\n`).join("");

/**
 * `/bin/sh -c script` on a PtyProcess (80x24), collecting every byte it hands on; killed by
 * disposeLeftovers. `lend` lends chunks (as with the worker emulator and no `output` listener);
 * `onChunk` sees each chunk as it comes.
 */
export function ptyRun(
  script: string,
  o: {
    readerThread?: boolean;
    lend?: boolean;
    onChunk?: (chunk: Buffer, lent: SharedBatch | undefined, pty: PtyProcess) => void;
  } = {},
): { pty: PtyProcess; text: () => string } {
  const chunks: Buffer[] = [];
  const pty: PtyProcess = new PtyProcess(
    {
      command: "/bin/sh",
      args: ["-c", script],
      cols: 80,
      rows: 24,
      ...(o.readerThread !== undefined ? { readerThread: o.readerThread } : {}),
    },
    (chunk, lent) => {
      chunks.push(Buffer.from(chunk));
      o.onChunk?.(chunk, lent, pty);
    },
    o.lend ? () => true : undefined,
  );
  trackLeftover(() => pty.kill("SIGKILL"));
  return { pty, text: () => Buffer.concat(chunks).toString("latin1") };
}
