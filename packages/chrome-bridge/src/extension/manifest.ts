import { SERVER_VERSION } from "../protocol/constants.js";

/** The MV3 manifest of the unpacked extension. */
export function extensionManifest(version = SERVER_VERSION): Record<string, unknown> {
  return {
    manifest_version: 3,
    name: "Chrome Bridge",
    version,
    description: "Lets a local chrome-bridge server drive this browser (mouse, keyboard, screenshots, tabs).",
    // WebSocket traffic keeps service workers alive only since Chrome 116.
    minimum_chrome_version: "116",
    background: { service_worker: "background.js", type: "module" },
    permissions: ["debugger", "tabs", "storage", "alarms"],
    host_permissions: ["<all_urls>"],
  };
}
