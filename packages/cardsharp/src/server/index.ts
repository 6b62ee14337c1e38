// Node server half: event bus, WebSocketEventHandler, WebAdapter, a continuously running table, the WS server.
export * from "../protocol/index.js";
export * from "./bots.js";
export * from "./cardsharp-server.js";
export * from "./event-bus.js";
export * from "./table.js";
export * from "./timers.js";
export * from "./web-adapter.js";
export * from "./websocket-event-handler.js";
export * from "./cluster/index.js";
