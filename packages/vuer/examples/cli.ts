// Tiny argv/env helpers shared by the examples (no dependencies).
import type { Vuer } from "../src/server/index.js";

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
