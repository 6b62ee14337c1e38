export * from "./backoff.js";
export * from "./protocol-client.js";
export * from "./reconnecting-socket.js";
export * from "./request-manager.js";
export * from "./send-queue.js";
export * from "./websocket-like.js";
