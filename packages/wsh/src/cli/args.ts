import { type CliSpec, intFlag, parseCli, UsageError } from "@proj/ws-core/cli";
import { VERSION } from "./version.js";

export { UsageError };

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
  /** The program on the PTY; undefined: `$SHELL` or `/bin/sh`. */
  command: string | undefined;
  args: string[];
  /** Where xterm parses: the main thread or a worker thread. */
  emulator: "main" | "worker";
  /** How the PTY is read: blocking reads on a thread of its own, or the event loop (`--pty-reader`). */
  ptyReader: "thread" | "loop";
  /** Who may resize the PTY over the network (`--resize-policy`). */
  resizePolicy: "owner" | "attached";
  /** The page at / only watches; /ws/raw input and POSTs are refused (`--readonly`). */
  readonly: boolean;
  /** asciicast v2 file to record to (`--record`). */
  record: string | undefined;
  /** Also record input (`--record-input`). */
  recordInput: boolean;
  /** MiB queued for one /ws/raw client before its output is skipped (`--client-buffer`). */
  clientBufferMiB: number | undefined;
}

export const WSH_CLI = {
  name: "wsh",
  version: VERSION,
  summary: "a shell on a PTY, served over REST, /ws/raw and /ws/json (wsh-compatible)",
  usage: [
    "[options]                        run $SHELL (or /bin/sh)",
    "[options] -c 'COMMAND'           run /bin/sh -c COMMAND",
    "[options] -- PROGRAM [ARGS...]   run PROGRAM with ARGS",
  ],
  options: {
    bind: {
      type: "string",
      valueName: "HOST:PORT",
      default: "127.0.0.1:8080",
      description: "address to listen on (port 0: a free one, printed as 'listening on URL')",
    },
    token: {
      type: "string",
      valueName: "T",
      description:
        "owner token on a non-loopback bind (else $WSH_TOKEN, else a generated one, printed on stderr); a loopback bind has no auth unless a viewer token is set",
    },
    "viewer-token": {
      type: "string",
      valueName: "T",
      description:
        "read-only token (else $WSH_VIEWER_TOKEN): output, /ws/json and GET routes, no input; turns auth on for a loopback bind too",
    },
    "allow-origin": {
      type: "string",
      valueName: "ORIGIN",
      multiple: true,
      description:
        "also let pages from this origin in (e.g. http://localhost:5173, '*' for all; comma-separated too); by default only the server's own pages and non-browser clients",
    },
    "allow-host": {
      type: "string",
      valueName: "HOST",
      multiple: true,
      description:
        "accept this Host name besides localhost and the bind address (comma-separated too; '*' turns the check off)",
    },
    shell: {
      type: "string",
      valueName: "PATH",
      description: "the shell to run (default: $SHELL, else /bin/sh)",
    },
    command: {
      type: "string",
      short: "c",
      valueName: "COMMAND",
      description: "run COMMAND with /bin/sh -c instead of an interactive shell",
    },
    interactive: {
      type: "boolean",
      short: "i",
      description: "start the shell as an interactive shell (-i; with -c: /bin/sh -ic COMMAND)",
    },
    headless: {
      type: "boolean",
      description:
        "only serve the PTY (the default when stdin or stdout is not a terminal); without it this terminal shows the PTY and types into it",
    },
    cols: {
      type: "string",
      valueName: "N",
      description: "terminal width, 2..1000 (default: the local terminal's, or 80)",
    },
    rows: {
      type: "string",
      valueName: "N",
      description: "terminal height, 1..1000 (default: the local terminal's, or 24)",
    },
    emulator: {
      type: "string",
      valueName: "worker|main",
      default: "worker",
      description: "parse terminal output on a worker thread or on the main thread",
    },
    "pty-reader": {
      type: "string",
      valueName: "thread|loop",
      default: "thread",
      description: "read the PTY on a thread of its own (Linux; faster floods) or on the event loop",
    },
    "resize-policy": {
      type: "string",
      valueName: "owner|attached",
      default: "owner",
      description:
        "who sets the PTY size: the owner (POST /resize with the owner token, or anyone the guard lets in when no token is set) and this terminal, or only this terminal",
    },
    readonly: {
      type: "boolean",
      description: "nobody types over the network: the page at / only watches, /ws/raw input and POSTs are refused",
    },
    record: {
      type: "string",
      valueName: "FILE",
      description: "record the session to FILE as an asciicast v2 recording (also served live at GET /recording)",
    },
    "record-input": {
      type: "boolean",
      description: "with --record, also record what was typed ('i' events)",
    },
    "client-buffer": {
      type: "string",
      valueName: "MIB",
      description:
        "MiB of output queued for one /ws/raw client before it counts as slow: its output is then skipped and it gets a repaint once it catches up (default 1)",
    },
  },
  examples: [
    "wsh                                       # your shell, in this terminal, served on 127.0.0.1:8080",
    "wsh --headless --bind 127.0.0.1:0         # no local terminal, a free port",
    "wsh --headless -c 'htop'                  # a program instead of a shell",
    "wsh --bind 0.0.0.0:8080 --viewer-token v  # on the network: token printed on stderr, 'v' may only watch",
  ],
} as const satisfies CliSpec;

/** "127.0.0.1:8080", "[::1]:0", "0.0.0.0:80" -> host and port. */
export function parseBind(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError(`--bind expects HOST:PORT, got '${value}'`);
  return { host: (m[1] ?? m[2]) as string, port };
}

/** "a,b , c" (possibly given several times) -> ["a", "b", "c"]; empty items are a usage error. */
function list(flag: string, values: string[]): string[] {
  return values.flatMap((value) => {
    const items = value.split(",").map((v) => v.trim());
    if (items.some((v) => v === "")) throw new UsageError(`--${flag} expects a comma-separated list, got '${value}'`);
    return items;
  });
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

/**
 * Splits off the program after `--` (`wsh [options] -- PROGRAM ARGS...`). A `--` that comes first and is
 * followed by an option is the one `pnpm run x -- ARGS` passes on, and is dropped.
 */
function splitCommand(argv: string[]): { flags: string[]; program: string[] | undefined } {
  let rest = argv;
  while (rest[0] === "--" && rest[1]?.startsWith("-")) rest = rest.slice(1);
  const at = rest.indexOf("--");
  return at < 0 ? { flags: rest, program: undefined } : { flags: rest.slice(0, at), program: rest.slice(at + 1) };
}

/** Parses the command line (handles --help and --version itself); bad arguments throw a UsageError. */
export function parseArgs(argv: string[]): CliArgs {
  const { flags, program } = splitCommand(argv);
  const { values } = parseCli(WSH_CLI, flags);
  const { host, port } = parseBind(values.bind as string);
  const emulator = values.emulator as string;
  if (emulator !== "main" && emulator !== "worker") {
    throw new UsageError(`--emulator expects worker or main, got '${emulator}'`);
  }
  const ptyReader = values["pty-reader"] as string;
  if (ptyReader !== "thread" && ptyReader !== "loop") {
    throw new UsageError(`--pty-reader expects thread or loop, got '${ptyReader}'`);
  }
  const resizePolicy = values["resize-policy"] as string;
  if (resizePolicy !== "owner" && resizePolicy !== "attached") {
    throw new UsageError(`--resize-policy expects owner or attached, got '${resizePolicy}'`);
  }
  if (values["record-input"] === true && values.record === undefined) {
    throw new UsageError("--record-input needs --record FILE");
  }
  const out: CliArgs = {
    host,
    port,
    token: values.token as string | undefined,
    viewerToken: values["viewer-token"] as string | undefined,
    allowOrigins: list("allow-origin", (values["allow-origin"] as string[] | undefined) ?? []).map(origin),
    allowHosts: list("allow-host", (values["allow-host"] as string[] | undefined) ?? []),
    headless: values.headless === true,
    cols: intFlag(values, "cols", { min: 2, max: 1000 }),
    rows: intFlag(values, "rows", { min: 1, max: 1000 }),
    command: undefined,
    args: [],
    emulator,
    ptyReader,
    resizePolicy,
    readonly: values.readonly === true,
    record: values.record as string | undefined,
    recordInput: values["record-input"] === true,
    clientBufferMiB: intFlag(values, "client-buffer", { min: 1, max: 4096 }),
  };
  const interactive = values.interactive === true;
  const shell = values.shell as string | undefined;
  const script = values.command as string | undefined;
  if (program !== undefined) {
    if (program.length === 0) throw new UsageError("-- must be followed by the program to run");
    if (script !== undefined || shell !== undefined || interactive) {
      throw new UsageError("-- PROGRAM cannot be combined with -c, --shell or -i");
    }
    out.command = program[0];
    out.args = program.slice(1);
  } else if (script !== undefined) {
    if (shell !== undefined) throw new UsageError("-c runs /bin/sh -c COMMAND: it cannot be combined with --shell");
    out.command = "/bin/sh";
    out.args = [interactive ? "-ic" : "-c", script];
  } else if (shell !== undefined || interactive) {
    out.command = shell ?? (process.env.SHELL || "/bin/sh");
    out.args = interactive ? ["-i"] : [];
  }
  return out;
}
