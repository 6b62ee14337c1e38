import type { InfoField } from "../protocol/events.js";

/**
 * The full states of the subsystems the emulator does not simulate in depth, shaped like real kvmd 4.206
 * captures (pikvm.md section 2.3) so that clients validating them (aiopikvm@HEAD's models, the web UI) accept them.
 */
export interface StaticStatesOptions {
  version: { major: number; minor: number };
  host: string;
  resolution: { width: number; height: number };
  startedAt: number;
}

export function ocrState(): Record<string, unknown> {
  return { enabled: true, langs: { default: ["eng"], available: ["eng"] } };
}

export function switchState(): Record<string, unknown> {
  return {
    model: { firmware: { version: 0 }, units: [], ports: [], limits: { atx: { click_delays: {} } } },
    summary: { active_port: -1, active_id: "", synced: true },
    edids: { all: {}, used: [] },
    colors: {},
    video: { links: [] },
    usb: { links: [] },
    beacons: { uplinks: [], downlinks: [], ports: [] },
    atx: { busy: [], leds: { power: [], hdd: [] } },
  };
}

export function keymapsState(): Record<string, unknown> {
  return { keymaps: { default: "en-us", available: ["en-us"] } };
}

export function uptime(startedAt: number): Record<string, unknown> {
  const total = Math.floor((Date.now() - startedAt) / 1000);
  return {
    total,
    parts: {
      days: Math.floor(total / 86400),
      hours: Math.floor(total / 3600) % 24,
      minutes: Math.floor(total / 60) % 60,
      seconds: total % 60,
    },
  };
}

/** One value per `info` field; kvmd sends each as its own event. */
export function infoFields(o: StaticStatesOptions, authEnabled: boolean): Record<InfoField, unknown> {
  const version = `${o.version.major}.${o.version.minor}`;
  return {
    system: {
      kvmd: { version },
      streamer: { app: "pikvm-emulator", version: "0", features: {} },
      kernel: { system: "Linux", release: "emulated", version: "emulated", machine: "x86_64" },
      platform: {
        type: "emulator",
        base: "@proj/pikvm emulator",
        serial: "0000000000000000",
        model: "v3",
        video: "hdmi",
        board: "emulator",
      },
    },
    auth: { enabled: authEnabled },
    meta: { server: { host: o.host } },
    // kvmd sends a dict of installed extras (webterm, vnc, ipmi...); none here, so an empty one.
    extras: {},
    health: {
      temp: { cpu: 40 },
      cpu: { percent: 1 },
      mem: { percent: 10, total: 1073741824, available: 966367641 },
      throttling: {
        raw_flags: 0,
        parsed_flags: {
          undervoltage: { now: false, past: false },
          freq_capped: { now: false, past: false },
          throttled: { now: false, past: false },
        },
        ignore_past: false,
      },
    },
    uptime: uptime(o.startedAt),
    node: { host: o.host },
    fan: { monitored: false, state: null },
  };
}

/**
 * kvmd's legacy `/api/info` answer (without `legacy=0`): `hw` (health and the platform, taken out of `system`)
 * is added to the fields, and `health` is only sent inside it.
 */
export function legacyInfo(all: Record<InfoField, unknown>, fields: readonly string[]): Record<string, unknown> {
  const set = new Set(fields);
  const hw = set.delete("hw");
  const system = set.has("system");
  if (hw) {
    set.add("health");
    set.add("system");
  }
  const out: Record<string, unknown> = {};
  for (const f of [...set].sort()) out[f] = structuredClone(all[f as InfoField]);
  if (hw) {
    const sys = (out.system ?? {}) as Record<string, unknown>;
    out.hw = { health: out.health, platform: sys.platform };
    delete sys.platform;
    delete out.health;
    if (!system) delete out.system;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
