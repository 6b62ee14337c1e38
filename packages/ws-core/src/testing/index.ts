// Test utilities: servers on 127.0.0.1:0, recording clients, waits, in-memory sockets, leftover cleanup.
export { deferred } from "../util/deferred.js";
export * from "./leftovers.js";
export * from "./memory-transport.js";
export * from "./test-client.js";
export * from "./test-server.js";
export * from "./wait.js";
export * from "./browser-bundle.js";
export * from "./chromium.js";
export * from "./spawn-script.js";
export * from "./http-request.js";
export * from "./redis.js";
export * from "./temp-dir.js";
