// Browser-safe client half: PiKVM (REST + ws()), PiKVMWebSocket, errors, and the protocol helpers.
export * from "../protocol/index.js";
export * from "./errors.js";
export { fetchTransport, type HttpRequest, type HttpResponse, type HttpTransport } from "./http.js";
export {
  type CallOptions,
  type PiKVMOptions,
  PiKVM,
  type RequestOptions,
  type UploadOptions,
  type WsOptions,
} from "./pikvm.js";
export {
  type AuthMode,
  mapConnectError,
  type PingOptions,
  PiKVMWebSocket,
  type PiKVMWebSocketOptions,
  type TypeTextOptions,
} from "./pikvm-websocket.js";
export { toWsUrl } from "./urls.js";
