import { SHORTCUT_ROUTES } from "../protocol/rest.js";

const NUMBERS = new Set([
  "dx",
  "dy",
  "duration",
  "count",
  "amount",
  "quality",
  "tab_id",
  "timeout",
  "max_text",
  "max_elements",
  "limit",
]);
const BOOLEANS = new Set(["double", "include_cursor", "full_page", "function", "navigation", "clear"]);
const RESERVED = new Set(["token", "extension"]);

function coerce(name: string, raw: string): unknown {
  if (NUMBERS.has(name)) return raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (BOOLEANS.has(name)) {
    const v = raw.toLowerCase();
    if (["1", "true", "yes", "on"].includes(v)) return true;
    if (["0", "false", "no", "off"].includes(v)) return false;
    return raw;
  }
  return raw;
}

/**
 * Builds a command for a shortcut route from the documented JSON body and upstream's query
 * parameters (DECISIONS 6). Body fields win; `modifiers` may repeat or be comma-separated, and
 * upstream's `/keyboard/press` took them as a bare JSON array body.
 */
export function shortcutCommand(route: keyof typeof SHORTCUT_ROUTES, body: unknown, query: URLSearchParams): unknown {
  let fields: Record<string, unknown>;
  if (body === undefined || body === null) fields = {};
  else if (Array.isArray(body) && route === "/keyboard/press") fields = { modifiers: body };
  else if (typeof body === "object" && !Array.isArray(body)) fields = { ...(body as Record<string, unknown>) };
  else return body; // not an object: parseCommand reports it
  for (const name of new Set(query.keys())) {
    if (RESERVED.has(name) || name in fields) continue;
    if (name === "modifiers") {
      fields.modifiers = query
        .getAll(name)
        .flatMap((m) => m.split(","))
        .map((m) => m.trim())
        .filter(Boolean);
    } else {
      fields[name] = coerce(name, query.get(name) ?? "");
    }
  }
  return { ...fields, type: SHORTCUT_ROUTES[route] };
}
