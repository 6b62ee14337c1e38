#!/usr/bin/env node
// pikvm: drive a PiKVM (or the emulator) from a shell: watch events, type text, press keys, click.
import { parseArgs } from "node:util";
import { isPiKVMError } from "../client/errors.js";
import { PiKVM, type PiKVMWebSocket } from "../node/index.js";
import { pixelToKvmd } from "../protocol/coordinates.js";

const USAGE = `usage: pikvm <command> [options]
commands:
  events [--count N] [--type T]      print events as JSON lines (Ctrl-C to stop)
  type <text>                        type text (US layout)
  key <Key[+Key...]> [--press|--release]   tap a key or a shortcut, e.g. ControlLeft+AltLeft+Delete
                                     (--press leaves keys down only on a kvmd that does not release
                                     everything when a socket closes, i.e. before late 2025)
  click [--button left] [--at X,Y] [--screen WxH]   click, optionally moving first (pixels with --screen,
                                     otherwise kvmd coordinates: -32768..32767, 0,0 = centre)
options:
  --url URL (default $PIKVM_URL or https://pikvm.local)  --user U (admin)  --passwd P ($PIKVM_PASSWD)
  --verify-ssl (default off, like aiopikvm's PiKVM)  --binary (binary HID frames)  --timeout S (10)`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string", default: process.env.PIKVM_URL ?? "https://pikvm.local" },
      user: { type: "string", default: process.env.PIKVM_USER ?? "admin" },
      passwd: { type: "string", default: process.env.PIKVM_PASSWD ?? "admin" },
      "verify-ssl": { type: "boolean", default: false },
      binary: { type: "boolean", default: false },
      timeout: { type: "string", default: "10" },
      count: { type: "string" },
      type: { type: "string" },
      press: { type: "boolean", default: false },
      release: { type: "boolean", default: false },
      button: { type: "string", default: "left" },
      at: { type: "string" },
      screen: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  const kvm = new PiKVM(values.url, {
    user: values.user,
    passwd: values.passwd,
    verifySsl: values["verify-ssl"],
    timeout: Number(values.timeout),
  });
  // `key --press` means to leave the keys down: do not release them on close.
  const ws = await kvm.ws({ hid: values.binary ? "binary" : "json", releaseOnClose: !values.press });
  try {
    switch (command) {
      case "events":
        await printEvents(ws, values.count ? Number(values.count) : Number.POSITIVE_INFINITY, values.type);
        break;
      case "type":
        await ws.typeText(args.join(" "));
        break;
      case "key": {
        const keys = (args[0] ?? "").split("+").filter(Boolean);
        if (keys.length === 0) throw new Error("key: name a key, e.g. Enter or ControlLeft+KeyC");
        if (values.press) for (const k of keys) ws.sendKey(k, true);
        else if (values.release) for (const k of [...keys].reverse()) ws.sendKey(k, false);
        else ws.sendShortcut(...keys);
        break;
      }
      case "click": {
        if (values.at) {
          const [x, y] = values.at.split(",").map(Number);
          if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error("--at takes X,Y");
          const to = values.screen
            ? pixelToKvmd(x as number, y as number, parseScreen(values.screen))
            : { x: x as number, y: y as number };
          ws.sendMouseMove(to.x, to.y);
        }
        ws.click(values.button);
        break;
      }
      default:
        throw new Error(`unknown command ${command}\n${USAGE}`);
    }
    // A ping round trip proves everything sent before it has reached the server.
    if (command !== "events") await ws.ping();
  } finally {
    await ws.close();
  }
  return 0;
}

function parseScreen(s: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) throw new Error("--screen takes WIDTHxHEIGHT, e.g. 1920x1080");
  return { width: Number(m[1]), height: Number(m[2]) };
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    const kind = isPiKVMError(err) ? `${err.name}: ` : "";
    process.stderr.write(`pikvm: ${kind}${(err as Error).message}\n`);
    process.exit(1);
  },
);
