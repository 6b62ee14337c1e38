// Node executor: drives Chromium over a raw CDP WebSocket and connects to the bridge as an extension would.
export * from "./cdp-connection.js";
export * from "./chromium.js";
export * from "./extension-path.js";
export * from "./node-executor.js";
export * from "./node-tab-host.js";
