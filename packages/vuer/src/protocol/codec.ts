import type { Codec, WireData } from "@proj/ws-core";
import { VuerDecodeError, VuerEventError } from "./errors.js";
import { type DecodeOptions, decodeMsgpack } from "./msgpack/decode.js";
import { MsgpackEncoder } from "./msgpack/encode.js";
import type { VuerEvent } from "./wire.js";

const shared = new MsgpackEncoder();

/** One value to one msgpack frame, exactly as upstream packs it (float32 non-integers, bin for bytes). */
export function encodeFrame(value: unknown): Uint8Array<ArrayBuffer> {
  return shared.encode(value);
}

/**
 * @internal `encodeFrame` for the server's send path, which follows the frame until every socket has written it:
 * a frame written in place in a `PointCloudStream`'s buffer lets the stream fill that buffer again afterwards.
 */
export function _encodeOwnedFrame(value: unknown): Uint8Array<ArrayBuffer> {
  return shared.encode(value, true);
}

/** One binary frame to its value. Text frames are refused: Vuer speaks binary only. */
export function decodeFrame(data: WireData, options?: DecodeOptions): unknown {
  if (typeof data === "string") throw new VuerDecodeError("text frame: Vuer frames are binary msgpack");
  return decodeMsgpack(data, options);
}

/** Decodes a frame and checks it is an event: a map with a string `etype`. */
export function decodeEvent<T extends VuerEvent = VuerEvent>(data: WireData, options?: DecodeOptions): T {
  const value = decodeFrame(data, options);
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new VuerEventError("a Vuer frame must hold a msgpack map");
  }
  if (typeof (value as { etype?: unknown }).etype !== "string") {
    throw new VuerEventError("a Vuer event needs a string `etype`");
  }
  return value as T;
}

/** The msgpack codec as a ws-core binary `Codec`: plug it into `defineProtocol` or a `ProtocolClient`. */
export const vuerCodec: Codec<unknown> = {
  name: "vuer-msgpack",
  frame: "binary",
  encode: encodeFrame,
  decode: (data) => decodeFrame(data),
};
