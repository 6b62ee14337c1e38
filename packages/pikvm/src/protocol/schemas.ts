import { defineProtocol } from "@proj/ws-core";
import { z } from "zod";
import { KEY_NAMES, MOUSE_BUTTONS } from "./keys.js";

/**
 * Strict zod schemas of the JSON events a well-behaved client sends (what our client emits), and a loose
 * envelope for server events (their payloads vary by kvmd version). The emulator itself applies kvmd's
 * own, more lenient validators (`validate.ts`) so that every real peer keeps working.
 */
const coord = z.number().int().min(-32768).max(32767);
const delta = z.object({ x: z.number().int().min(-127).max(127), y: z.number().int().min(-127).max(127) });

export const clientEventSchema = z.discriminatedUnion("event_type", [
  z.object({ event_type: z.literal("ping"), event: z.object({}) }),
  z.object({
    event_type: z.literal("key"),
    event: z.object({
      key: z.enum(KEY_NAMES as [string, ...string[]]),
      state: z.boolean(),
      finish: z.boolean().optional(),
    }),
  }),
  z.object({
    event_type: z.literal("mouse_button"),
    event: z.object({ button: z.enum(MOUSE_BUTTONS), state: z.boolean() }),
  }),
  z.object({ event_type: z.literal("mouse_move"), event: z.object({ to: z.object({ x: coord, y: coord }) }) }),
  z.object({
    event_type: z.enum(["mouse_relative", "mouse_wheel"]),
    event: z.object({ delta: z.union([delta, z.array(delta).min(1)]), squash: z.boolean().optional() }),
  }),
]);
export type ClientEvent = z.infer<typeof clientEventSchema>;

export const serverEventSchema = z.object({
  event_type: z.string(),
  event: z.record(z.string(), z.unknown()).nullable(),
});
export type ServerEvent = z.infer<typeof serverEventSchema>;

/** The ws-core protocol definition of kvmd's JSON frames (for `parseMessage` and typed tooling). */
export const pikvmProtocol = defineProtocol({
  name: "pikvm",
  clientMessages: clientEventSchema,
  serverMessages: serverEventSchema,
});
