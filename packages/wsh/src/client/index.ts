// Browser-safe client half: no `ws` or `node:` imports; WebSocket and fetch are injectable.
export * from "../protocol/index.js";
export { WshJsonClient, type WshJsonClientOptions, WshSubscribeError } from "./json-client.js";
export type { WshSocketOptions } from "./options.js";
export { WshRawClient } from "./raw-client.js";
export { type FetchLike, WshRest, type WshRestOptions } from "./rest.js";
export { ScreenModel } from "./screen-model.js";
export { httpUrl, wsUrl } from "./urls.js";
