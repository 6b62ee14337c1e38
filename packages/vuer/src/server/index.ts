// Node server half: the Vuer app, sessions, the shared scene store.
export * from "../protocol/index.js";
export { DEFAULT_CORS, type VuerOptions } from "./options.js";
export * from "./scene-store.js";
export { type EnqueueResult, type IncomingEvent, type OutgoingStats, VuerSession } from "./session.js";
export * from "./vuer.js";
export { type LinkedContent, Workspace } from "./workspace.js";
