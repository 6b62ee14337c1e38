import { z } from "zod";
import { type CommandType, commandSchemas } from "../protocol/commands.js";

/** Fields a tool caller never sets: the tool's name is the `type`, and ids and timestamps belong to the bridge. */
const IMPLIED = new Set(["type", "command_id", "timestamp"]);

const TAB_ID = "the tab to act on (an id from get_tabs); default: the active tab";

/** A command's object schema with the implied fields left out (its refinements and transforms run later, in full). */
function withoutImplied(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodPipe) return withoutImplied(schema.in as z.ZodType);
  if (schema instanceof z.ZodUnion) return z.union((schema.options as z.ZodType[]).map(withoutImplied));
  if (!(schema instanceof z.ZodObject)) throw new TypeError("a command schema must be an object (or a union of them)");
  const shape = Object.entries(schema.shape as Record<string, z.ZodType>).filter(([k]) => !IMPLIED.has(k));
  return z.object(
    Object.fromEntries(shape.map(([k, v]) => [k, k === "tab_id" && !v.description ? v.describe(TAB_ID) : v])),
  );
}

/**
 * The input schema of a command's tool, derived from the command's own zod schema (`commandSchemas`):
 * the same fields, ranges and defaults, without `type`, `command_id` and `timestamp`. The SDK turns it into
 * the tool's JSON schema and checks arguments against it; the full schema (cross-field rules) runs on top.
 */
export function toolInputSchema(type: CommandType): z.ZodType {
  return withoutImplied(commandSchemas[type] as z.ZodType);
}
