import { PiKVMEmulator } from "@proj/pikvm/server";
import type { Mounted } from "../mount.js";

export const PIKVM_BASE = "/pikvm";

/** The kvmd emulator under /pikvm: its /api/ws and REST, plus the virtual console the page shows. */
export async function mountKvm(): Promise<Mounted> {
  const emu = new PiKVMEmulator({ basePath: PIKVM_BASE, user: "admin", passwd: "admin" });
  return {
    name: "pikvm",
    routes: { [`${PIKVM_BASE}/*`]: emu },
    handle: (req, res) => emu.handleRequest(req, res),
    info: { base: PIKVM_BASE, user: "admin", passwd: "admin" },
    close: () => emu.close(),
  };
}
