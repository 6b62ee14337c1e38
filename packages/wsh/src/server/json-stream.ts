import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Connection, WsEndpoint } from "@proj/ws-core/server";
import { eventFilterName, type InputEvent, type InputModeEvent } from "../protocol/events.js";
import type { Format } from "../protocol/screen.js";
import { parseSubscribe, SUBSCRIBE_ERROR_PREFIX } from "../protocol/subscribe.js";
import type { Role } from "./auth.js";
import { routeEndpoint } from "./http.js";
import { type FrameSource, JsonSubscriber } from "./json-subscriber.js";
import type { BatchItem, TerminalBatch, TerminalSession } from "./terminal/session.js";

export interface JsonStreamOptions {
  session: TerminalSession;
  /** Trust policy and auth of the upgrade: the connection's role, or throws the refusal. */
  authenticate: (req: IncomingMessage) => Role;
  maxPayload: number;
  highWaterMark: number;
  /** Bound of the per-socket queue that holds `input` events for a slow reader (oldest dropped past it). */
  maxQueue: number;
  heartbeatMs: number | false;
}

/**
 * `/ws/json`: `{"connected":true}`, then subscribe messages (each replaces the subscription and
 * gets an ack and a `sync`), then the filtered terminal events. Frames are serialised once per
 * format per batch and shared by every subscriber.
 */
export class JsonStream {
  readonly endpoint: WsEndpoint<Role>;
  readonly #o: JsonStreamOptions;
  readonly #subs = new Map<Connection<Role>, JsonSubscriber<Role>>();
  /** Memo of screen JSON per format, valid until the emulator reports the next change. */
  #screenMemo = new Map<Format, string>();
  readonly #frames: FrameSource;

  constructor(o: JsonStreamOptions) {
    this.#o = o;
    this.endpoint = routeEndpoint(o, { policy: "drop", highWaterMark: o.highWaterMark, maxQueue: o.maxQueue });
    const screenJson = (format: Format) => {
      let s = this.#screenMemo.get(format);
      if (s === undefined) {
        s = JSON.stringify(o.session.emulator.screen(format));
        this.#screenMemo.set(format, s);
      }
      return s;
    };
    this.#frames = {
      nextSeq: () => o.session.nextSeq(),
      sync: (seq, format) =>
        `{"event":"sync","seq":${seq},"screen":${screenJson(format)},"scrollback_lines":${o.session.emulator.totalLines}}`,
      diff: (seq, changed, format) =>
        `{"event":"diff","seq":${seq},"changed_lines":${JSON.stringify(changed)},"screen":${screenJson(format)}}`,
    };
    this.endpoint.on("connection", (conn) => this.#accept(conn));
    this.endpoint.on("disconnect", (conn) => {
      this.#subs.get(conn)?.close();
      this.#subs.delete(conn);
    });
    o.session.events.on("batch", (b) => this.#deliver(b));
    o.session.events.on("input", (e) => this.#deliverInput(e));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    return this.endpoint.handleUpgrade(req, socket, head);
  }

  /** The subscriber state of a connection (tests and stats). */
  subscriber(conn: Connection<Role>): JsonSubscriber<Role> | undefined {
    return this.#subs.get(conn);
  }

  get subscribers(): Iterable<JsonSubscriber<Role>> {
    return this.#subs.values();
  }

  #accept(conn: Connection<Role>): void {
    const s = new JsonSubscriber(conn, this.#frames, { highWaterMark: this.#o.highWaterMark });
    this.#subs.set(conn, s);
    conn.send('{"connected":true}');
    conn.ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) return this.#error(conn, "binary frames are not accepted, send a JSON text frame");
      const r = parseSubscribe(data.toString("utf8"));
      if (!r.ok) return this.#error(conn, r.message.slice(SUBSCRIBE_ERROR_PREFIX.length));
      // The screen memo may predate changes not yet scanned; drop it so the sync is current.
      this.#screenMemo.clear();
      s.subscribe(r.subscription);
    });
  }

  #error(conn: Connection<Role>, detail: string): void {
    conn.send(JSON.stringify({ error: `${SUBSCRIBE_ERROR_PREFIX}${detail}`, code: "invalid_subscribe" }));
  }

  #deliver(batch: TerminalBatch): void {
    this.#screenMemo.clear();
    if (this.#subs.size === 0) return;
    const memo = new Map<BatchItem, Partial<Record<Format, string>>>();
    const frame = (item: BatchItem, format: Format): string => {
      let m = memo.get(item);
      if (!m) {
        m = {};
        memo.set(item, m);
      }
      const hit = m[format];
      if (hit !== undefined) return hit;
      let s: string;
      switch (item.kind) {
        case "line": {
          const line = this.#o.session.emulator.line(item.index, format);
          s = `{"event":"line","seq":${item.seq},"index":${item.index},"total_lines":${item.total_lines},"line":${JSON.stringify(line)}}`;
          break;
        }
        case "sync":
          s = this.#frames.sync(item.seq, format);
          break;
        default:
          s = JSON.stringify(item.event);
      }
      m[format] = s;
      return s;
    };
    for (const sub of this.#subs.values()) {
      if (!sub.sub) continue;
      for (const item of batch.items) {
        const name =
          item.kind === "line"
            ? "lines"
            : item.kind === "sync" || item.kind === "reset"
              ? undefined
              : eventFilterName(item.event);
        if (sub.wants(name)) sub.sendTerminal(frame(item, sub.sub.format));
      }
      sub.markDirty(batch.changedRows, batch.resync);
    }
  }

  #deliverInput(e: InputEvent | InputModeEvent): void {
    const text = JSON.stringify(e);
    for (const sub of this.#subs.values()) if (sub.sub && sub.wants("input")) sub.sendInput(text);
  }
}
