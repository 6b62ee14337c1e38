// Browser-safe client half: no `ws`, no Node built-ins. In Node 20 pass `NodeWebSocket` from `@proj/ws-core/node`.
export * from "../protocol/index.js";
export * from "./cardsharp-client.js";
export * from "./strategies.js";
