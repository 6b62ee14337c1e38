// Browser-safe client half: VuerClient, ClientEvent classes, the scene model and the codec.
export type { WebSocketConstructor } from "@proj/ws-core";
export * from "../protocol/index.js";
export { clientInfo, clientKind } from "./client-info.js";
export * from "./config.js";
export * from "./vuer-client.js";
