import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type Connection, prepareFrame, type WsEndpoint } from "@proj/ws-core/server";
import { READ_ONLY_CLOSE } from "../protocol/constants.js";
import type { Role } from "./auth.js";
import { routeEndpoint } from "./http.js";
import type { TerminalSession } from "./terminal/session.js";
import { ChunkBatch } from "./terminal/write-backlog.js";

export interface RawStreamOptions {
  session: TerminalSession;
  /** Trust policy and auth of the upgrade: the connection's role, or throws the refusal. */
  authenticate: (req: IncomingMessage) => Role;
  maxPayload: number;
  /** Bytes buffered for one client before it counts as slow (ws-core slow-consumer "skip" policy). */
  highWaterMark: number;
  /** History lines included in a repaint (the screen itself is always included). */
  repaintScrollback: number;
  /** Send a repaint of the current screen first to every new client. Default true. */
  repaintOnConnect: boolean;
  heartbeatMs: number | false;
}

interface RawState {
  /** Chunks that arrived while a repaint was being prepared, each with its hold; sent right after it. */
  pending: Array<{ data: Buffer; release: () => void }> | undefined;
  lagged: boolean;
  repaints: number;
}

/**
 * `/ws/raw`: PTY bytes out as binary frames, any frame in as PTY input (a viewer sending one is
 * closed with 4403 and nothing reaches the PTY). A client is never allowed
 * to hold anything else back: once it has `highWaterMark` bytes unsent, further output to it is
 * skipped (ws-core's "skip" policy), and when its socket drains it gets a full-screen repaint
 * instead of the missed bytes. Memory per client is bounded by the mark plus one repaint.
 */
export class RawStream {
  readonly endpoint: WsEndpoint<Role>;
  readonly #o: RawStreamOptions;
  readonly #state = new WeakMap<Connection<Role>, RawState>();
  readonly #out = new ChunkBatch(() => this.flush());

  constructor(o: RawStreamOptions) {
    this.#o = o;
    this.endpoint = routeEndpoint(o, { policy: "skip", highWaterMark: o.highWaterMark });
    this.endpoint.on("connection", (conn) => this.#accept(conn));
    // Coalesced (see ChunkBatch): one frame per keystroke echo, one per up to 256 KiB during a flood.
    o.session.onLentOutput((chunk, lent) => this.#out.push(chunk, lent));
    // Every client is told the PTY size, in stream order (xterm's "resize text area", CSI 8;rows;cols t).
    o.session.events.on("resize", ({ cols, rows }) => this.#out.push(Buffer.from(sizeSequence(cols, rows))));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    return this.endpoint.handleUpgrade(req, socket, head);
  }

  /** How many repaints a connection got after falling behind (for tests and stats). */
  lagRepaints(conn: Connection<Role>): number {
    return this.#state.get(conn)?.repaints ?? 0;
  }

  #accept(conn: Connection<Role>): void {
    const st: RawState = { pending: undefined, lagged: false, repaints: 0 };
    this.#state.set(conn, st);
    conn.ws.on("message", (data: Buffer | Buffer[] | ArrayBuffer) => {
      // A viewer's output stream stays as it is; its first keystroke ends the socket with 4403.
      if (conn.ctx === "viewer") {
        conn.close(READ_ONLY_CLOSE.code, READ_ONLY_CLOSE.reason);
        return;
      }
      // Text and binary alike go to the PTY as their bytes.
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.#o.session.write(buf);
    });
    if (this.#o.repaintOnConnect) this.#repaint(conn, st);
  }

  /** Sends the output coalesced so far (the server calls it before closing sockets). */
  flush(): void {
    const joined = this.#out.takeShared();
    if (!joined) return;
    const { batch, release } = joined;
    const data = batch.data;
    const frame = prepareFrame(data);
    for (const conn of this.endpoint.connections) {
      const st = this.#state.get(conn);
      if (!st || st.lagged) continue;
      if (st.pending) {
        st.pending.push({ data, release: batch.hold() });
        continue;
      }
      const sent = conn.send(frame);
      if (sent === "skipped") this.#lag(conn, st);
      else if (sent !== "closed") {
        // Written from the batch's memory, uncopied: let go once the socket has written it (ws-core's
        // `afterWrites`). A send that was queued instead keeps its hold for good: that batch is never refilled.
        const letGo = batch.hold();
        if (sent === "sent") conn.afterWrites((err) => err || letGo());
      }
    }
    release();
  }

  #lag(conn: Connection<Role>, st: RawState): void {
    st.lagged = true;
    void conn.whenDrained(this.#o.highWaterMark / 2).then(() => {
      if (!conn.open) return;
      st.lagged = false;
      st.repaints++;
      this.#repaint(conn, st);
    });
  }

  /**
   * Sends the emulator's state at a point consistent with the byte stream: chunks read after now
   * are parked, the repaint is taken once the emulator has parsed everything before them, then the
   * parked chunks follow.
   */
  #repaint(conn: Connection<Role>, st: RawState): void {
    // Output already read went to the emulator too, so the repaint will include it: send it to
    // everyone else now, and never to this connection.
    st.lagged = true;
    this.flush();
    st.lagged = false;
    st.pending = [];
    void this.#o.session.emulator.repaintWhenParsed(this.#o.repaintScrollback).then((repaint) => {
      const parked = st.pending ?? [];
      st.pending = undefined;
      if (!conn.open) {
        for (const c of parked) c.release();
        return;
      }
      const em = this.#o.session.emulator;
      // ESC c, then the size (CSI 8;rows;cols t), then the state: a page sizes its terminal before drawing.
      const text =
        repaint === null
          ? ""
          : `\x1bc${sizeSequence(em.cols, em.rows)}${repaint.startsWith("\x1bc") ? repaint.slice(2) : repaint}`;
      const screen = Buffer.from(text, "utf8"); // null: the emulator is gone; live bytes still follow
      // The repaint and parked bytes go out even past the mark (bounded by emulator backlog); then the policy applies again.
      conn.ws.send(screen, { binary: true });
      // ws calls back once a frame is written (with an error if it never will be: then it stays held).
      for (const c of parked) conn.ws.send(c.data, { binary: true }, (err) => err || c.release());
    });
  }
}

/** xterm's window operation "resize the text area to rows;cols" (CSI 8 ; rows ; cols t). */
export function sizeSequence(cols: number, rows: number): string {
  return `\x1b[8;${rows};${cols}t`;
}
