export interface CliArgs {
  host: string;
  port: number;
  token: string | undefined;
  headless: boolean;
  cols: number | undefined;
  rows: number | undefined;
  command: string | undefined;
  args: string[];
  help: boolean;
  /** Where xterm parses: the main thread or a worker thread. */
  emulator: "main" | "worker";
}

export class UsageError extends Error {
  override name = "UsageError";
}

export const USAGE = `usage: wsh [--bind HOST:PORT] [--token T] [--headless] [--cols N --rows N] [--emulator worker|main] [-- command args...]

  --bind HOST:PORT  address to listen on (default 127.0.0.1:8080; port 0 picks a free one)
  --token T         API token for non-loopback binds (else $WSH_TOKEN, else one is generated)
  --headless        no local terminal (default when stdin is not a TTY)
  --cols N, --rows N  terminal size (default: the local terminal's, or 80x24)
  --emulator worker|main  parse terminal output on a worker thread (default) or the main thread
  -- command args   run this instead of $SHELL`;

/** "127.0.0.1:8080", "[::1]:0", "0.0.0.0:80" -> host and port. */
export function parseBind(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError(`--bind expects HOST:PORT, got '${value}'`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function dimension(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!value || !/^\d+$/.test(value) || n < min || n > 1000) {
    throw new UsageError(`${flag} expects an integer in ${min}..1000`);
  }
  return n;
}

export function parseArgs(argv: string[]): CliArgs {
  const out: CliArgs = {
    host: "127.0.0.1",
    port: 8080,
    token: undefined,
    headless: false,
    cols: undefined,
    rows: undefined,
    command: undefined,
    args: [],
    help: false,
    emulator: "worker",
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf("=");
    const [flag, inline] = a.startsWith("--") && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--":
        out.command = argv[i + 1];
        out.args = argv.slice(i + 2);
        i = argv.length;
        break;
      case "--bind":
        Object.assign(out, parseBind(value()));
        break;
      case "--token":
        out.token = value();
        break;
      case "--headless":
        out.headless = true;
        break;
      case "--cols":
        out.cols = dimension(flag, value(), 2);
        break;
      case "--rows":
        out.rows = dimension(flag, value(), 1);
        break;
      case "--emulator": {
        const v = value();
        if (v !== "main" && v !== "worker") throw new UsageError(`--emulator expects main or worker, got '${v}'`);
        out.emulator = v;
        break;
      }
      case "-h":
      case "--help":
        out.help = true;
        break;
      default:
        throw new UsageError(`unknown argument '${a}'`);
    }
  }
  return out;
}
