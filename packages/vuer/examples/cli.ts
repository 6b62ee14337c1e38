// Tiny argv/env helpers shared by the examples (no dependencies).
import { DEFAULT_ALLOWED_ORIGINS, type Vuer, type VuerOptions } from "../src/server/index.js";

/** `--name value` or `--name=value` from argv. */
export function arg(name: string, fallback?: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return fallback;
}

/** Every value of a repeatable flag (`--name a --name b,c` → a, b, c). */
export function args(name: string): string[] {
  const argv = process.argv.slice(2);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === `--${name}` && argv[i + 1] !== undefined) out.push(argv[++i] as string);
    else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  }
  return out
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * `--allow-origin <origin>` (repeatable, comma-separated): browser origins trusted besides the server's own and
 * https://vuer.ai; `--allow-origin '*'` trusts every origin. Without the flag, Vuer's defaults apply.
 */
export function accessArgs(): Pick<VuerOptions, "allowedOrigins"> {
  const extra = args("allow-origin");
  if (extra.length === 0) return {};
  return { allowedOrigins: extra.includes("*") ? "*" : [...DEFAULT_ALLOWED_ORIGINS, ...extra] };
}

/**
 * A bounded, one-line description of a client value for logs: short JSON as is, long strings, arrays, maps and
 * binary cut off after `max` characters, without ever serialising the whole value (a 4 MiB value costs as much
 * as a small one).
 */
export function preview(value: unknown, max = 200): string {
  const parts: string[] = [];
  let length = 0;
  const full = () => length > max;
  const emit = (s: string) => {
    parts.push(s);
    length += s.length;
  };
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (full()) return;
    if (typeof v === "string") {
      const room = Math.max(0, max - length);
      emit(v.length > room ? `${JSON.stringify(v.slice(0, room))}…` : JSON.stringify(v));
    } else if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
      emit(String(v)); // NaN and Infinity stay visible
    } else if (v === null || v === undefined) {
      emit("null");
    } else if (ArrayBuffer.isView(v)) {
      emit(`<${v.byteLength} bytes>`);
    } else if (typeof v !== "object" || seen.has(v)) {
      emit('"…"');
    } else if (Array.isArray(v)) {
      seen.add(v);
      emit("[");
      for (let i = 0; i < v.length && !full(); i++) {
        if (i > 0) emit(",");
        walk(v[i]);
      }
      emit("]");
    } else {
      seen.add(v);
      emit("{");
      let first = true;
      for (const k in v) {
        if (full()) break;
        if (!Object.hasOwn(v, k)) continue;
        emit(`${first ? "" : ","}${JSON.stringify(k)}:`);
        walk((v as Record<string, unknown>)[k]);
        first = false;
      }
      emit("}");
    }
  };
  walk(value);
  const text = parts.join("");
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `value.position` when it is three finite numbers (what a scene may hold), else undefined. */
export function finitePosition(value: unknown): [number, number, number] | undefined {
  const p = (value as { position?: unknown } | null | undefined)?.position;
  if (!Array.isArray(p) || p.length !== 3) return undefined;
  return p.every((n) => typeof n === "number" && Number.isFinite(n)) ? (p as [number, number, number]) : undefined;
}

export function numberArg(name: string, fallback: number): number {
  const raw = arg(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got ${raw}`);
    process.exit(2);
  }
  return n;
}

/** Starts the app, prints the one `listening on` line, and closes gracefully on SIGINT/SIGTERM. */
export async function serve(app: Vuer): Promise<void> {
  const { url } = await app.start();
  console.log(`listening on ${url}`);
  console.log(`view it at ${app.viewerUrl()}`);
  const stop = async () => {
    await app.close({ graceMs: 1000 });
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
