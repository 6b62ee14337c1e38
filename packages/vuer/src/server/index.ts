// Node server half: the Vuer app, sessions, the shared scene store.
export * from "../protocol/index.js";
export { RELAY_CONTENT_TYPES } from "./http-routes.js";
export {
  DEFAULT_ALLOWED_ORIGINS,
  DEFAULT_CORS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_QUEUE_BYTES,
  DEFAULT_SERVER_MAX_SIZE,
  type VuerOptions,
} from "./options.js";
export * from "./scene-store.js";
export { type EnqueueResult, type IncomingEvent, type OutgoingStats, type TaskHandle, VuerSession } from "./session.js";
export * from "./vuer.js";
export { type LinkedContent, type LinkedValue, type LinkOptions, Workspace } from "./workspace.js";
export { b64jpg, b64png, jpg, png, type RawImage } from "./images.js";
export * from "./cluster/index.js";
