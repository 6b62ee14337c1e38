import { defineProtocol } from "@proj/ws-core";
import { z } from "zod";
import { vuerCodec } from "./codec.js";

/** Any client event: a map with a string `etype`; every other field is kept. */
export const clientEventSchema = z.looseObject({
  etype: z.string().min(1),
  ts: z.number().optional(),
  key: z.string().optional(),
  value: z.unknown().optional(),
});

/** Any server event: `{ts, data, etype, ...extras}`. */
export const serverEventSchema = z.looseObject({
  etype: z.string().min(1),
  ts: z.number().optional(),
  data: z.unknown().optional(),
});

/**
 * Vuer as a ws-core protocol definition (msgpack binary codec, loose event schemas), for code that wants
 * ws-core's `ProtocolClient` (request correlation by `rtype`, typed `messages()`) instead of `VuerClient`.
 */
export const vuerProtocol = defineProtocol({
  name: "vuer",
  clientMessages: clientEventSchema,
  serverMessages: serverEventSchema,
  codec: vuerCodec,
});
