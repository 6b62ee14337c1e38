#!/usr/bin/env node
// pikvm: drive a PiKVM (or the emulator) from a shell: watch events, type text, press keys, click.
import { createReadStream } from "node:fs";
import { stat, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { CliError, type CliSpec, intFlag, parseCli, runCli, UsageError } from "@proj/ws-core/cli";
import { ConnectError, isPiKVMError } from "../client/errors.js";
import { PiKVM, type PiKVMWebSocket } from "../node/index.js";
import { pixelToKvmd } from "../protocol/coordinates.js";
import { VERSION } from "./version.js";

const WS_COMMANDS = ["events", "type", "key", "click"] as const;
const REST_COMMANDS = ["info", "snapshot", "atx", "msd", "gpio", "log"] as const;
const COMMANDS = [...WS_COMMANDS, ...REST_COMMANDS] as const;
const ATX_ACTIONS = ["power", "power_long", "reset", "on", "off", "off_hard", "reset_hard"] as const;

const spec = {
  name: "pikvm",
  version: VERSION,
  summary: "drive a PiKVM (or pikvm-emulator) over its /api/ws: watch events, type, press keys, click",
  usage: [
    "[options] events [--count N] [--type EVENT_TYPE]        print events as JSON lines (Ctrl-C stops)",
    "[options] type TEXT...                                 type text (US layout)",
    "[options] key KEY[+KEY...] [--press|--release]         tap a key or a shortcut (ControlLeft+AltLeft+Delete)",
    "[options] click [--button B] [--at X,Y] [--screen WxH]  click, optionally moving the pointer first",
    "[options] info [FIELD...]                              print /api/info as JSON",
    "[options] snapshot FILE [--save] [--png]              write the screen to FILE (--save: keep it on the device)",
    "[options] atx [power|power_long|reset|on|off|off_hard|reset_hard]   ATX state, or press/act and wait",
    "[options] msd [upload FILE [--name NAME]]               virtual media state, or upload an image",
    "[options] gpio [CHANNEL on|off|pulse]                   GPIO state, or switch/pulse a channel",
    "[options] log [-f]                                     print the log (-f: follow it, Ctrl-C stops)",
  ],
  positionals: true,
  options: {
    url: {
      type: "string",
      valueName: "URL",
      default: process.env.PIKVM_URL ?? "https://pikvm.local",
      description: "the PiKVM's address ($PIKVM_URL)",
    },
    user: {
      type: "string",
      valueName: "USER",
      default: process.env.PIKVM_USER ?? "admin",
      description: "user ($PIKVM_USER)",
    },
    passwd: {
      type: "string",
      valueName: "PASSWD",
      description: "password ($PIKVM_PASSWD, else admin)",
    },
    "verify-ssl": {
      type: "boolean",
      description: "verify the TLS certificate (off by default, like aiopikvm's PiKVM: devices use self-signed ones)",
    },
    binary: { type: "boolean", description: "send HID input as the web UI's binary frames instead of JSON" },
    timeout: {
      type: "string",
      valueName: "SECONDS",
      default: "10",
      description: "give up connecting (and on REST calls) after this long",
    },
    count: { type: "string", valueName: "N", description: "events: stop after N events" },
    type: { type: "string", valueName: "EVENT_TYPE", description: "events: only this event_type (hid, atx, ...)" },
    press: {
      type: "boolean",
      description:
        "key: press and leave the keys down (kept only by a kvmd that does not release everything when a socket closes, i.e. before late 2025)",
    },
    release: { type: "boolean", description: "key: release the keys" },
    button: { type: "string", valueName: "B", default: "left", description: "click: left, right, middle, up or down" },
    at: {
      type: "string",
      valueName: "X,Y",
      description:
        "click: move there first (kvmd coordinates -32768..32767 with 0,0 the centre, or pixels with --screen)",
    },
    screen: { type: "string", valueName: "WxH", description: "click: --at is in pixels of a screen this size" },
    save: { type: "boolean", description: "snapshot: also save it on the device (kvmd's saved snapshot)" },
    png: { type: "boolean", description: "snapshot: PNG instead of JPEG (the emulator's own option)" },
    name: { type: "string", valueName: "NAME", description: "msd upload: the image's name (default: the file's)" },
    follow: { type: "boolean", short: "f", description: "log: keep printing new lines" },
    seek: { type: "string", valueName: "SECONDS", description: "log: only the last SECONDS" },
  },
  examples: [
    "pikvm --url https://127.0.0.1:8080 events --count 5",
    'PIKVM_URL=https://pikvm.lan PIKVM_PASSWD=secret pikvm type "hello world"',
    "pikvm key ControlLeft+AltLeft+Delete",
    "pikvm click --at 960,540 --screen 1920x1080",
    "pikvm snapshot screen.jpg",
    "pikvm msd upload debian.iso",
    "pikvm log -f",
  ],
} satisfies CliSpec;

async function main(): Promise<void> {
  const { values, positionals } = parseCli(spec);
  const [command, ...args] = positionals;
  if (!command) throw new UsageError(`name a command: ${COMMANDS.join(", ")}`);
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command: ${command}`);
  const timeout = Number(values.timeout);
  if (!(timeout > 0) || !Number.isFinite(timeout))
    throw new UsageError(`--timeout must be a number of seconds above 0, got ${JSON.stringify(values.timeout)}`);
  const count = intFlag(values, "count", { min: 1 });
  if (values.press && values.release) throw new UsageError("--press and --release exclude each other");
  // Check every argument before connecting: a mistake is a usage error, not a half-done action.
  let keys: string[] = [];
  let moveTo: { x: number; y: number } | undefined;
  if (command === "type" && args.length === 0) throw new UsageError('type: give the text, e.g. pikvm type "hello"');
  if (command === "key") {
    keys = (args[0] ?? "").split("+").filter(Boolean);
    if (keys.length === 0 || args.length > 1)
      throw new UsageError("key: name one key or shortcut, e.g. Enter or ControlLeft+KeyC");
  }
  if (command === "click") {
    if (args.length) throw new UsageError(`click takes no arguments besides options, got ${args.join(" ")}`);
    if (values.at !== undefined) moveTo = clickTarget(values.at as string, values.screen as string | undefined);
  }
  if (command === "events" && args.length)
    throw new UsageError(`events takes no arguments besides options, got ${args.join(" ")}`);
  const seek = intFlag(values, "seek", { min: 0 });
  if (command === "snapshot" && args.length !== 1) throw new UsageError("snapshot: give one FILE to write");
  if (command === "atx" && (args.length > 1 || (args[0] && !(ATX_ACTIONS as readonly string[]).includes(args[0]))))
    throw new UsageError(`atx: give nothing or one of ${ATX_ACTIONS.join(", ")}`);
  if (command === "msd" && args.length && (args[0] !== "upload" || args.length !== 2))
    throw new UsageError("msd: give nothing, or upload FILE");
  if (command === "gpio" && args.length && (args.length !== 2 || !["on", "off", "pulse"].includes(args[1] as string)))
    throw new UsageError("gpio: give nothing, or CHANNEL on|off|pulse");
  if (command === "log" && args.length)
    throw new UsageError(`log takes no arguments besides options, got ${args.join(" ")}`);

  const url = values.url as string;
  const kvm = new PiKVM(url, {
    user: values.user as string,
    passwd: (values.passwd as string | undefined) ?? process.env.PIKVM_PASSWD ?? "admin",
    verifySsl: values["verify-ssl"] === true,
    timeout,
  });
  if ((REST_COMMANDS as readonly string[]).includes(command)) {
    try {
      await rest(kvm, command, args, { ...values, seek });
    } finally {
      await kvm.close();
    }
    return;
  }
  // A slow connect says what it waits for; a refused or timed-out one fails with one line (see below).
  const slow = setTimeout(() => process.stderr.write(`pikvm: connecting to ${url} (up to ${timeout} s)...\n`), 2000);
  let ws: PiKVMWebSocket;
  try {
    // `key --press` means to leave the keys down: do not release them on close.
    ws = await kvm.ws({ hid: values.binary ? "binary" : "json", releaseOnClose: !values.press });
  } finally {
    clearTimeout(slow);
  }
  try {
    switch (command) {
      case "events":
        await printEvents(ws, count ?? Number.POSITIVE_INFINITY, values.type as string | undefined);
        break;
      case "type":
        await ws.typeText(args.join(" "));
        break;
      case "key":
        if (values.press) for (const k of keys) ws.sendKey(k, true);
        else if (values.release) for (const k of [...keys].reverse()) ws.sendKey(k, false);
        else ws.sendShortcut(...keys);
        break;
      case "click":
        if (moveTo) ws.sendMouseMove(moveTo.x, moveTo.y);
        ws.click(values.button as string);
        break;
    }
    // A ping round trip proves everything sent before it has reached the server.
    if (command !== "events") await ws.ping();
  } finally {
    await ws.close();
    await kvm.close();
  }
}

/** The commands that are one or a few REST calls (no /api/ws). */
async function rest(kvm: PiKVM, command: string, args: string[], values: Record<string, unknown>): Promise<void> {
  const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  switch (command) {
    case "info":
      print(await kvm.info(...args));
      return;
    case "snapshot": {
      const img = await kvm.streamer.snapshot({
        ...(values.save ? { save: true } : {}),
        ...(values.png ? { format: "png" as const } : {}),
        allowOffline: true,
      });
      await writeFile(args[0] as string, img);
      process.stderr.write(`wrote ${img.length} bytes to ${args[0]}\n`);
      return;
    }
    case "atx": {
      const a = args[0];
      if (a === "power" || a === "power_long" || a === "reset") await kvm.atx.click(a, { wait: true });
      else if (a) await kvm.atx.power(a as "on" | "off" | "off_hard" | "reset_hard", { wait: true });
      print(await kvm.atx.getState());
      return;
    }
    case "msd": {
      if (args[0] === "upload") {
        const file = args[1] as string;
        let size: number;
        try {
          size = (await stat(file)).size;
        } catch (err) {
          throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        const name = (values.name as string | undefined) ?? basename(file);
        let shown = -1;
        const r = await kvm.msd.upload(name, createReadStream(file), {
          size,
          timeout: 3600,
          onProgress: (sent) => {
            const pct = size ? Math.floor((sent * 100) / size) : 100;
            if (pct === shown) return;
            shown = pct;
            process.stderr.write(`\ruploading ${name}: ${pct}%`);
          },
        });
        process.stderr.write("\n");
        print(r);
        return;
      }
      print(await kvm.msd.getState());
      return;
    }
    case "gpio": {
      const [ch, op] = args;
      if (ch && op === "pulse") await kvm.gpio.pulse(ch, { wait: true });
      else if (ch) await kvm.gpio.switch(ch, op === "on", { wait: true });
      print(await kvm.gpio.getState());
      return;
    }
    case "log": {
      const seek = values.seek as number | undefined;
      if (!values.follow) {
        process.stdout.write(await kvm.system.getLog(seek !== undefined ? { seek } : {}));
        return;
      }
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      process.once("SIGTERM", () => stop.abort());
      for await (const line of kvm.system.streamLog({ ...(seek !== undefined ? { seek } : {}), signal: stop.signal }))
        process.stdout.write(`${line}\n`);
      return;
    }
  }
}

function clickTarget(at: string, screen: string | undefined): { x: number; y: number } {
  const m = /^(-?\d+),(-?\d+)$/.exec(at);
  if (!m) throw new UsageError(`--at takes X,Y (whole numbers), got ${JSON.stringify(at)}`);
  const [x, y] = [Number(m[1]), Number(m[2])];
  if (screen === undefined) return { x, y };
  const s = /^(\d+)x(\d+)$/.exec(screen);
  if (!s) throw new UsageError(`--screen takes WIDTHxHEIGHT, e.g. 1920x1080, got ${JSON.stringify(screen)}`);
  return pixelToKvmd(x, y, { width: Number(s[1]), height: Number(s[2]) });
}

async function printEvents(ws: PiKVMWebSocket, count: number, type: string | undefined): Promise<void> {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  let n = 0;
  for await (const ev of ws.events(stop.signal)) {
    if (type && ev.event_type !== type) continue;
    process.stdout.write(`${JSON.stringify(ev)}\n`);
    if (++n >= count) break;
  }
}

/** The URL the command talks to (for error lines). */
function url(): string {
  try {
    return parseCli(spec).values.url as string;
  } catch {
    return "the PiKVM";
  }
}

void runCli(spec, async () => {
  try {
    await main();
  } catch (err) {
    // The client's errors name their kind (AuthError, ConnectError, ...): keep it in the one line.
    if (err instanceof ConnectError)
      throw new CliError(`${err.name}: cannot connect to ${url()}: ${err.message.replace(/^Failed to connect: /, "")}`);
    if (isPiKVMError(err)) throw new CliError(`${err.name}: ${err.message}`);
    throw err;
  }
});
