// Node server half: REST API + WebSocket protocol for extensions, mountable on any HTTP server.
export * from "./bridge-server.js";
export type { DispatchOptions } from "./extension-hub.js";
export { ExtensionHub } from "./extension-hub.js";
export type { BridgeServerOptions, HeartbeatOptions } from "./options.js";
