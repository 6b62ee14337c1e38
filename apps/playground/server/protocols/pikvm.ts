import { randomBytes } from "node:crypto";
import { PiKVMEmulator } from "@proj/pikvm/server";
import { sendJson } from "@proj/ws-core/server";
import type { MountContext, Mounted } from "../mount.js";

export const PIKVM_BASE = "/pikvm";

/** The kvmd emulator under /pikvm: its /api/ws and REST, plus the virtual console the page shows. */
export async function mountKvm(ctx: MountContext): Promise<Mounted> {
  // A password of this run only: it reaches the page through /api/playground, which the access guard
  // serves to this server's own page and non-browser clients, never to another site.
  const passwd = process.env.PLAYGROUND_KVM_PASSWD ?? randomBytes(12).toString("base64url");
  const emu = new PiKVMEmulator({ basePath: PIKVM_BASE, user: "admin", passwd, access: ctx.access });
  ctx.services.set("pikvm", emu);
  return {
    name: "pikvm",
    routes: { [`${PIKVM_BASE}/*`]: emu },
    handle: (req, res) => {
      // The virtual target's HID state (held keys, mouse) for the panel: input kvmd never acknowledges.
      if (req.url === "/api/playground/pikvm/hid") {
        try {
          emu.auth.check(req); // kvmd's own credentials (the page sends X-KVMD-User/Passwd)
        } catch (err) {
          const status = (err as { status?: number }).status ?? 401;
          sendJson(res, status, { error: status === 403 ? "forbidden" : "unauthorized" });
          return true;
        }
        sendJson(res, 200, emu.hid.snapshot());
        return true;
      }
      return emu.handleRequest(req, res);
    },
    info: { base: PIKVM_BASE, user: "admin", passwd },
    close: () => emu.close(),
  };
}
