#!/usr/bin/env node
// pikvm: drive a PiKVM (or the emulator) from a shell: watch events, type text, press keys, click.
import { CliError, type CliSpec, intFlag, parseCli, runCli, UsageError } from "@proj/ws-core/cli";
import { ConnectError, isPiKVMError } from "../client/errors.js";
import { PiKVM, type PiKVMWebSocket } from "../node/index.js";
import { pixelToKvmd } from "../protocol/coordinates.js";
import { VERSION } from "./version.js";

const COMMANDS = ["events", "type", "key", "click"] as const;

const spec = {
  name: "pikvm",
  version: VERSION,
  summary: "drive a PiKVM (or pikvm-emulator) over its /api/ws: watch events, type, press keys, click",
  usage: [
    "[options] events [--count N] [--type EVENT_TYPE]        print events as JSON lines (Ctrl-C stops)",
    "[options] type TEXT...                                 type text (US layout)",
    "[options] key KEY[+KEY...] [--press|--release]         tap a key or a shortcut (ControlLeft+AltLeft+Delete)",
    "[options] click [--button B] [--at X,Y] [--screen WxH]  click, optionally moving the pointer first",
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
  },
  examples: [
    "pikvm --url https://127.0.0.1:8080 events --count 5",
    'PIKVM_URL=https://pikvm.lan PIKVM_PASSWD=secret pikvm type "hello world"',
    "pikvm key ControlLeft+AltLeft+Delete",
    "pikvm click --at 960,540 --screen 1920x1080",
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

  const url = values.url as string;
  const kvm = new PiKVM(url, {
    user: values.user as string,
    passwd: (values.passwd as string | undefined) ?? process.env.PIKVM_PASSWD ?? "admin",
    verifySsl: values["verify-ssl"] === true,
    timeout,
  });
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
