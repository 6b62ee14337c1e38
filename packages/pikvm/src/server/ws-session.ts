import type { Connection } from "@proj/ws-core/server";
import { BinaryOp, decodeBinaryFrame } from "../protocol/binary.js";
import { encodeEvent, parseEventFrame } from "../protocol/events.js";
import { applyBinaryEvent, applyJsonEvent, type DispatchResult } from "./hid-dispatch.js";
import type { VirtualHid } from "./virtual-hid.js";

/** Per-socket context decided at the upgrade. */
export interface AuthInfo {
  user: string;
  via: string;
}

export interface SessionContext {
  user: string;
  via: string;
  /** kvmd's `stream` flag: this session counts as a video viewer. */
  stream: boolean;
}

export interface SessionCounters {
  /** Frames kvmd would log and ignore: bad JSON, bad envelope. */
  malformed: number;
  /** Well-formed events with an unknown event_type or binary op. */
  unknown: number;
  /** HID events failing kvmd's validation. */
  invalid: number;
  /** Frames whose handling threw (reported through the emulator's "error" event). */
  errors: number;
}

export interface SessionOptions {
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  counters: SessionCounters;
  onError?: (err: Error) => void;
}

const PONG_JSON = encodeEvent("pong", {});
const PONG_BINARY = Uint8Array.of(BinaryOp.Pong);

/**
 * Runs one /api/ws socket: dispatches JSON and binary input to the HID with kvmd's validation, answers
 * pings, and keeps aiohttp's heartbeat (protocol PING after `heartbeatMs` of silence, give or take a third,
 * connection cut without a close frame if no PONG within `heartbeatTimeoutMs`).
 */
export function runSession(conn: Connection<SessionContext>, hid: VirtualHid, o: SessionOptions): void {
  const { ws } = conn;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  // Silence is sampled in thirds of the heartbeat rather than timed per frame, so a frame costs one store:
  // the PING goes out after between 1 and 1 1/3 heartbeats without traffic.
  let active = false;
  let quietTicks = 0;
  const tickMs = o.heartbeatMs / 3;
  const tick = () => {
    if (active) {
      active = false;
      quietTicks = 0;
      return;
    }
    if (++quietTicks < 3 || pongTimer || ws.readyState !== ws.OPEN) return;
    quietTicks = 0;
    ws.ping();
    pongTimer = setTimeout(() => ws.terminate(), o.heartbeatTimeoutMs);
  };
  const seen = () => {
    active = true;
  };
  const count = (r: DispatchResult) => {
    if (r === "invalid") {
      o.counters.invalid++;
      hid.drop();
    } else if (r === "unknown") o.counters.unknown++;
  };

  ws.on("pong", () => {
    clearTimeout(pongTimer);
    pongTimer = undefined;
    seen();
  });
  ws.on("close", () => {
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
  });
  ws.on("message", (data, isBinary) => {
    seen();
    try {
      handle(data as Buffer, isBinary);
    } catch (err) {
      // A bug must not take the process (and every other session) down.
      o.onError?.(err as Error);
    }
  });
  const handle = (buf: Buffer, isBinary: boolean) => {
    if (isBinary) {
      const decoded = decodeBinaryFrame(buf);
      if (decoded.type === "invalid") {
        // kvmd leaves its receive loop on an empty binary frame: the session ends with a normal close.
        if (decoded.reason === "empty") conn.close(1000);
        else count(decoded.reason === "unknown-op" ? "unknown" : "invalid");
        return;
      }
      const r = applyBinaryEvent(hid, decoded);
      if (r === "ping") conn.send(PONG_BINARY);
      else count(r);
      return;
    }
    const ev = parseEventFrame(buf.toString("utf8"));
    if (!ev) {
      o.counters.malformed++;
      return;
    }
    const r = applyJsonEvent(hid, ev.event_type, ev.event, "ws-json");
    if (r === "ping") conn.send(PONG_JSON);
    else count(r);
  };
  if (o.heartbeatMs > 0) pingTimer = setInterval(tick, tickMs);
}
