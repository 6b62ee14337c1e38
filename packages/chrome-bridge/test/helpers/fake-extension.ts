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

/**
 * An extension that speaks the wire exactly like upstream OpenBrowser's (7bd596f): a frame is a command
 * when it has a `type`, no `success` and no `error`, and its type is not connected/ping/pong; every reply
 * goes through a sender that invents `command_id: "cmd_<ms>_<random>"` when the frame had none; replies
 * carry no `type` and a millisecond timestamp; an unknown type is `Unknown command type: <type>`.
 * `handle` answers a known command (default: success echoing it).
 */
export async function connectUpstreamLikeExtension(
  url: string,
  handle: (m: Record<string, any>) => { success: boolean; message?: string; data?: unknown; error?: string } = (m) => ({
    success: true,
    message: `ok ${m.type}`,
    data: { got: m },
  }),
): Promise<TestClient> {
  const client = await connectTestClient(url);
  const known = new Set([
    "mouse_move",
    "mouse_click",
    "mouse_scroll",
    "keyboard_type",
    "keyboard_press",
    "screenshot",
    "tab",
    "get_tabs",
  ]);
  const sendReply = (reply: Record<string, unknown>) =>
    client.send({
      ...reply,
      command_id: reply.command_id ?? `cmd_${Date.now()}_${Math.random().toString(36).slice(2, 11)}`,
      timestamp: Date.now(),
    });
  client.ws.on("message", (raw) => {
    const m = JSON.parse(raw.toString());
    if (!m.type || m.success || m.error || ["connected", "ping", "pong"].includes(m.type)) return;
    if (!known.has(m.type)) {
      sendReply({ success: false, error: `Unknown command type: ${m.type}` });
      return;
    }
    const r = handle(m);
    sendReply({ ...r, command_id: m.command_id });
  });
  return client;
}
