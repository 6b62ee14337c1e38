import { z } from "zod";
import { defineProtocol } from "../src/index.js";

/** The bench message: a 64-byte-ish JSON object, the same shape for every contender. */
export const benchProtocol = defineProtocol({
  name: "bench",
  clientMessages: z.discriminatedUnion("type", [
    z.object({ type: z.literal("echo"), id: z.string(), seq: z.number().int(), body: z.string() }),
    z.object({ type: z.literal("fanout"), count: z.number().int(), body: z.string() }),
  ]),
  serverMessages: z.discriminatedUnion("type", [
    z.object({ type: z.literal("echo"), id: z.string(), seq: z.number().int(), body: z.string() }),
    z.object({ type: z.literal("fan"), seq: z.number().int(), body: z.string() }),
  ]),
});

export const BODY = "x".repeat(24);

export type Contender = "raw" | "wscore" | "socketio";
