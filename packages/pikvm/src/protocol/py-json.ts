/**
 * JSON text exactly as Python's `json.dumps` writes it (kvmd and aiopikvm both use it): `", "` and `": "`
 * separators, non-ASCII escaped as \uXXXX (ensure_ascii). Byte-for-byte parity with the real peers'
 * frames matters for anyone diffing captures.
 */
export function pyJson(value: unknown): string {
  return write(value, undefined, "", false);
}

/** `json.dumps(value, sort_keys=True, indent=4)`: kvmd's REST and refusal bodies. */
export function pyJsonPretty(value: unknown): string {
  return write(value, "    ", "", true);
}

function write(v: unknown, indent: string | undefined, pad: string, sort: boolean): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : v > 0 ? "Infinity" : v < 0 ? "-Infinity" : "NaN";
  if (typeof v === "string") return quote(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    const items = v.map((x) => write(x, indent, pad + (indent ?? ""), sort));
    return join("[", "]", items, indent, pad);
  }
  if (typeof v === "object") {
    let keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
    if (keys.length === 0) return "{}";
    if (sort) keys = keys.sort();
    const items = keys.map(
      (k) => `${quote(k)}: ${write((v as Record<string, unknown>)[k], indent, pad + (indent ?? ""), sort)}`,
    );
    return join("{", "}", items, indent, pad);
  }
  return "null";
}

function join(open: string, close: string, items: string[], indent: string | undefined, pad: string): string {
  if (indent === undefined) return `${open}${items.join(", ")}${close}`;
  const inner = pad + indent;
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${pad}${close}`;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const c = s.charCodeAt(i);
    const esc = ESCAPES[ch];
    if (esc) out += esc;
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}
