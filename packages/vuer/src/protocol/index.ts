// Browser-safe wire layer: msgpack codec, event shapes and builders, the scene tree.
export * from "./client-events.js";
export { decodeEvent, decodeFrame, encodeFrame, vuerCodec } from "./codec.js";
export * from "./definition.js";
export * from "./errors.js";
export { type DecodeOptions, decodeMsgpack } from "./msgpack/decode.js";
export { MsgpackEncoder } from "./msgpack/encode.js";
export * from "./scene-graph.js";
export * from "./server-events.js";
export * from "./wire.js";
