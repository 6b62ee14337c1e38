// Browser-safe root entry: protocol (codec, events, scene model), schemas and the client. Server: "@proj/vuer/server".
export * from "./client/index.js";
export * from "./schemas/index.js";
export { VERSION } from "./version.js";
