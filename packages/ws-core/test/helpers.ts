import { z } from "zod";
import { defineProtocol } from "../src/index.js";

/** A small request/response protocol used across the tests. */
export const echoProtocol = defineProtocol({
  name: "echo",
  clientMessages: z.discriminatedUnion("type", [
    z.object({ type: z.literal("say"), id: z.string(), text: z.string() }),
    z.object({ type: z.literal("ping") }),
  ]),
  serverMessages: z.discriminatedUnion("type", [
    z.object({ type: z.literal("said"), id: z.string(), text: z.string() }),
    z.object({ type: z.literal("pong") }),
  ]),
});

export const echoCorrelation = {
  requestId: (m: { type: string; id?: string }) => m.id,
  responseId: (m: { type: string; id?: string }) => m.id,
};
