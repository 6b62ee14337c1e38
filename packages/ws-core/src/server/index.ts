// Node server half: endpoints over `ws` (noServer + handleUpgrade), path routing, HTTP helpers.
export * from "./access-guard.js";
export * from "./connection.js";
export * from "./endpoint.js";
export * from "./http-error.js";
export * from "./listen.js";
export * from "./router.js";
export * from "./slow-consumer.js";
export * from "./static-files.js";
export * from "./ws-server.js";
