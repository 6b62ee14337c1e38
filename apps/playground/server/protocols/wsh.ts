import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WshServer } from "@proj/wsh/server";
import type { MountContext, Mounted } from "../mount.js";

export const WSH_BASE = "/wsh";

/**
 * A real shell on a PTY under /wsh (REST, /wsh/ws/raw, /wsh/ws/json). When the shell exits (someone
 * typed `exit`), sockets get 1000 and a fresh shell takes its place; the page's clients reconnect to it.
 */
export async function mountTerminal(ctx: MountContext): Promise<Mounted> {
  let closing = false;
  const spawn = (): WshServer => {
    const s = new WshServer({
      basePath: WSH_BASE,
      cols: 100,
      rows: 24,
      command: "/bin/bash",
      args: ["--norc", "--noprofile"],
      env: { PS1: "playground$ " },
      access: ctx.access,
    });
    void s.closed.then(() => {
      if (!closing) current = spawn();
    });
    return s;
  };
  let current = spawn();
  const router = {
    handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => current.handleUpgrade(req, socket, head),
  };
  return {
    name: "wsh",
    routes: { [`${WSH_BASE}/*`]: router },
    handle: (req: IncomingMessage, res: ServerResponse) => current.handleRequest(req, res),
    info: { base: WSH_BASE },
    close: async () => {
      closing = true;
      await current.close();
    },
  };
}
