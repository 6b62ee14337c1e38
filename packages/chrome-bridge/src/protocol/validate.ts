import type { z } from "zod";
import { type BridgeCommand, commandSchemas, isCommandType } from "./commands.js";
import { CommandValidationError } from "./errors.js";

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** One zod issue as a sentence in the documented style ("Field required: 'dx'"). */
function describe(issue: z.core.$ZodIssue, input: unknown): string {
  const field = issue.path.map(String).join(".");
  const name = `'${field}'`;
  switch (issue.code) {
    case "invalid_type":
      if (valueAt(input, issue.path) === undefined) return `Field required: ${name}`;
      return `Invalid type for ${name}: expected ${issue.expected === "int" ? "integer" : issue.expected}`;
    case "too_big":
      return `Invalid value for ${name}: must be ${issue.inclusive ? "less than or equal to" : "less than"} ${String(issue.maximum)}${issue.origin === "string" ? " characters" : ""}`;
    case "too_small":
      return `Invalid value for ${name}: must be ${issue.inclusive ? "greater than or equal to" : "greater than"} ${String(issue.minimum)}${issue.origin === "string" ? " characters" : ""}`;
    case "invalid_value":
      return `Invalid value for ${name}: must be one of ${issue.values.map(String).join(", ")}`;
    case "invalid_format":
      return `Invalid value for ${name}: ${issue.message}`;
    case "custom":
      return issue.message.includes("required") ? issue.message : `Invalid value for ${name}: ${issue.message}`;
    default:
      return `Invalid value for ${name}: ${issue.message}`;
  }
}

/**
 * The command without its `timestamp` and null/undefined fields, so the wire form carries only what
 * applies. Zod's output is returned as it is when there is nothing to drop (the usual case): no copy.
 */
function trimmed(parsed: Record<string, unknown>): Record<string, unknown> {
  let clean = true;
  for (const k in parsed) {
    const v = parsed[k];
    if (k === "timestamp" || v === null || v === undefined) {
      clean = false;
      break;
    }
  }
  if (clean) return parsed;
  const out: Record<string, unknown> = {};
  for (const k in parsed) {
    const v = parsed[k];
    if (k !== "timestamp" && v !== null && v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * Validates one command (from REST, the CLI or the wire) and applies defaults.
 * Throws `CommandValidationError` (400 missing/unknown type or not an object, 422 bad fields).
 */
export function parseCommand(input: unknown): BridgeCommand {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new CommandValidationError(400, ["Command must be a JSON object"]);
  }
  const type = (input as { type?: unknown }).type;
  if (type === undefined || type === null || type === "") {
    throw new CommandValidationError(400, ["Command must have 'type' field"]);
  }
  if (!isCommandType(type)) throw new CommandValidationError(400, [`Unknown command type: ${String(type)}`]);
  const r = commandSchemas[type].safeParse(input);
  if (!r.success)
    throw new CommandValidationError(
      422,
      r.error.issues.map((i) => describe(i, input)),
    );
  return trimmed(r.data as Record<string, unknown>) as unknown as BridgeCommand;
}
