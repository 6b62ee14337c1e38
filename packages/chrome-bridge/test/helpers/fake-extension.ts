import { connectTestClient, type TestClient } from "@proj/ws-core/testing";

export interface FakeExtension extends TestClient {
  welcome: { type: string; connection_id: string; message: string; timestamp: number };
  /** The next `command` envelope's inner command. */
  nextCommand(timeoutMs?: number): Promise<Record<string, any>>;
  /** Answers a command with a documented command_response. */
  respond(commandId: string, fields?: Record<string, unknown>): void;
}

/** A scripted extension: a raw `ws` client that records frames and answers when told to. */
export async function connectFakeExtension(
  url: string,
  options: Parameters<typeof connectTestClient>[1] = {},
): Promise<FakeExtension> {
  const client = await connectTestClient(url, options);
  const welcome = await client.nextJson((m: any) => m.type === "connected");
  return Object.assign(client, {
    welcome,
    nextCommand: async (timeoutMs?: number) =>
      (await client.nextJson((m: any) => m.type === "command", timeoutMs)).command,
    respond: (commandId: string, fields: Record<string, unknown> = {}) =>
      client.send({
        type: "command_response",
        success: true,
        command_id: commandId,
        message: "ok",
        data: { by: "fake" },
        error: null,
        timestamp: Date.now() / 1000,
        ...fields,
      }),
  });
}

/** Answers every command automatically (echoing the command in `data`). */
export function autoRespond(ext: FakeExtension): void {
  ext.ws.on("message", (raw) => {
    const m = JSON.parse(raw.toString());
    if (m.type === "command") ext.respond(m.command.command_id, { data: { echo: m.command } });
  });
}
