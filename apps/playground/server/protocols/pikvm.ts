import { PiKVMEmulator } from "@proj/pikvm/server";
import { sendJson } from "@proj/ws-core/server";
import type { MountContext, Mounted } from "../mount.js";

export const PIKVM_BASE = "/pikvm";

/** The kvmd emulator under /pikvm: its /api/ws and REST, plus the virtual console the page shows. */
export async function mountKvm(ctx: MountContext): Promise<Mounted> {
  const emu = new PiKVMEmulator({ basePath: PIKVM_BASE, user: "admin", passwd: "admin" });
  ctx.services.set("pikvm", emu);
  return {
    name: "pikvm",
    routes: { [`${PIKVM_BASE}/*`]: emu },
    handle: (req, res) => {
      // The virtual target's HID state (held keys, mouse) for the panel: input kvmd never acknowledges.
      if (req.url === "/api/playground/pikvm/hid") {
        sendJson(res, 200, emu.hid.snapshot());
        return true;
      }
      return emu.handleRequest(req, res);
    },
    info: { base: PIKVM_BASE, user: "admin", passwd: "admin" },
    close: () => emu.close(),
  };
}
