export interface CliArgs {
  host: string;
  port: number;
  token: string | undefined;
  /** Read-only token (`--viewer-token`). */
  viewerToken: string | undefined;
  /** Browser origins trusted besides the server's own pages (`--allow-origin`, repeatable, comma-separated). */
  allowOrigins: string[];
  /** Host names accepted besides loopback names and the bind address (`--allow-host`). */
  allowHosts: string[];
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

export const USAGE = `usage: wsh [--bind HOST:PORT] [--token T] [--viewer-token T] [--allow-origin O] [--allow-host H]
           [--headless] [--cols N --rows N] [--emulator worker|main] [-- command args...]

  --bind HOST:PORT  address to listen on (default 127.0.0.1:8080; port 0 picks a free one)
  --token T         owner token for non-loopback binds (else $WSH_TOKEN, else one is generated)
  --viewer-token T  read-only token (else $WSH_VIEWER_TOKEN): output and GET routes, no input;
                    setting one requires tokens on loopback binds too
  --allow-origin O  trust this browser origin (e.g. http://localhost:5173; '*' for all); repeatable
                    or comma-separated. Default: only the server's own pages and non-browser clients
  --allow-host H    accept this Host name besides localhost and the bind address; repeatable or
                    comma-separated ('*' turns the Host check off)
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

/** "a,b , c" -> ["a", "b", "c"]; empty items are a usage error. */
function list(flag: string, value: string): string[] {
  const items = value.split(",").map((v) => v.trim());
  if (items.some((v) => v === "")) throw new UsageError(`${flag} expects a comma-separated list, got '${value}'`);
  return items;
}

/** An origin as browsers send it: scheme://host[:port], no path ("*" and "null" pass as they are). */
function origin(value: string): string {
  if (value === "*" || value === "null") return value;
  const v = value.replace(/\/$/, "");
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]+$/i.test(v)) {
    throw new UsageError(`--allow-origin expects an origin like http://localhost:5173, got '${value}'`);
  }
  return v;
}

export function parseArgs(argv: string[]): CliArgs {
  const out: CliArgs = {
    host: "127.0.0.1",
    port: 8080,
    token: undefined,
    viewerToken: undefined,
    allowOrigins: [],
    allowHosts: [],
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
      case "--viewer-token":
        out.viewerToken = value();
        break;
      case "--allow-origin":
        out.allowOrigins.push(...list(flag, value()).map(origin));
        break;
      case "--allow-host":
        out.allowHosts.push(...list(flag, value()));
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
