import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { StringDecoder } from "node:string_decoder";
import type { TerminalSession } from "./terminal/session.js";

/** Bytes queued for one GET /recording reader before it is ended. */
const MAX_READER_BACKLOG = 16 * 1024 * 1024;

export interface RecordOptions {
  /** File to write (created or truncated). */
  path: string;
  /** Also record input ("i" events): POST /input, /ws/raw keystrokes, the local keyboard. Default false. */
  input?: boolean;
  /** How often buffered events are written to the file, in ms (at most this much is lost on a crash). Default 250. */
  flushMs?: number;
  /** Header `title`. */
  title?: string;
}

/**
 * Records a session as an asciicast v2 file: a header line (`width`, `height`, `timestamp`, `env` with TERM
 * and SHELL), then one `[seconds, code, data]` line per event: "o" output, "i" input (optional), "r" resize
 * ("COLSxROWS"). Events are written every `flushMs`, and streamed live to GET /recording readers.
 */
export class Recorder {
  readonly path: string;
  readonly #fd: number;
  readonly #start = performance.now();
  readonly #out = new StringDecoder("utf8");
  readonly #in = new StringDecoder("utf8");
  #pending: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #flushMs: number;
  readonly #readers = new Set<ServerResponse>();
  readonly #offs: Array<() => void> = [];
  #closed = false;

  constructor(session: TerminalSession, o: RecordOptions) {
    this.path = o.path;
    this.#flushMs = o.flushMs ?? 250;
    this.#fd = openSync(o.path, "w");
    const env = { TERM: session.pty.term, SHELL: session.pty.command };
    const header = {
      version: 2,
      width: session.emulator.cols,
      height: session.emulator.rows,
      timestamp: Math.floor(Date.now() / 1000),
      env,
      ...(o.title ? { title: o.title } : {}),
    };
    this.#write(`${JSON.stringify(header)}\n`);
    this.#offs.push(session.events.on("output", (chunk) => this.#event("o", this.#out.write(chunk))));
    this.#offs.push(session.events.on("resize", ({ cols, rows }) => this.#event("r", `${cols}x${rows}`)));
    if (o.input) {
      this.#offs.push(
        session.events.on("written", (data) =>
          this.#event("i", typeof data === "string" ? data : this.#in.write(Buffer.from(data))),
        ),
      );
    }
  }

  #event(code: string, data: string): void {
    if (this.#closed || data === "") return;
    const t = Math.round(performance.now() - this.#start) / 1000;
    this.#pending.push(`${JSON.stringify([t, code, data])}\n`);
    this.#timer ??= setTimeout(() => this.flush(), this.#flushMs);
  }

  /** Writes the buffered events to the file and to the live readers. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const text = this.#pending.join("");
    this.#pending = [];
    this.#write(text);
  }

  #write(text: string): void {
    writeSync(this.#fd, text);
    for (const res of this.#readers) {
      // A reader that stopped reading is ended rather than buffered without bound (the file has it all).
      if (res.writableLength > MAX_READER_BACKLOG) {
        this.#readers.delete(res);
        res.end();
      } else res.write(text);
    }
  }

  /** Answers GET /recording: the file so far, then every event as it is written, until the recording ends. */
  stream(res: ServerResponse): void {
    this.flush();
    res.writeHead(200, {
      "Content-Type": "application/x-asciicast",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    });
    res.write(readFileSync(this.path));
    if (this.#closed) {
      res.end();
      return;
    }
    this.#readers.add(res);
    res.on("close", () => this.#readers.delete(res));
  }

  /** Flushes, closes the file and ends the live readers. */
  close(): void {
    if (this.#closed) return;
    for (const off of this.#offs) off();
    const rest = this.#out.end();
    if (rest) this.#event("o", rest);
    this.flush();
    this.#closed = true;
    closeSync(this.#fd);
    for (const res of this.#readers) res.end();
    this.#readers.clear();
  }
}
