import { VERSION } from "../version.js";

type NodeProcess = {
  version: string;
  platform: string;
  arch: string;
  versions: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
};

const PLATFORM_NAMES: Record<string, string> = { linux: "Linux", darwin: "Darwin", win32: "Windows_NT" };

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node && typeof (globalThis as { window?: unknown }).window === "undefined" ? p : undefined;
}

/** "node" in Node, "browser" anywhere with a window. */
export function clientKind(): "node" | "browser" {
  return nodeProcess() ? "node" : "browser";
}

/**
 * The INIT `value`: upstream's common fields (`client`, `clientVersion`, `timezone`, `timezoneOffset`, minutes,
 * positive west of UTC) and runtime fields (Node: `nodeVersion`, `platform`, `platformVersion`, `machine`;
 * browser: `userAgent`, screen size, `devicePixelRatio`).
 */
export function clientInfo(): Record<string, unknown> {
  const common = {
    client: clientKind(),
    clientVersion: VERSION,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC",
    timezoneOffset: new Date().getTimezoneOffset() || 0,
  };
  const p = nodeProcess();
  if (p) {
    // os is reached through getBuiltinModule (Node >= 20.16) so no bundler ever sees a "node:os" import.
    const os = p.getBuiltinModule?.("node:os") as { type(): string; release(): string; machine?(): string } | undefined;
    return {
      ...common,
      nodeVersion: p.version,
      platform: os?.type() ?? PLATFORM_NAMES[p.platform] ?? p.platform,
      platformVersion: os?.release() ?? "",
      machine: os?.machine?.() ?? p.arch,
    };
  }
  const g = globalThis as {
    navigator?: { userAgent?: string };
    screen?: { width?: number; height?: number };
    devicePixelRatio?: number;
  };
  return {
    ...common,
    userAgent: g.navigator?.userAgent ?? "",
    screenWidth: g.screen?.width ?? 0,
    screenHeight: g.screen?.height ?? 0,
    devicePixelRatio: g.devicePixelRatio ?? 1,
  };
}
