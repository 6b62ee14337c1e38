import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import jpeg from "jpeg-js";
import { kvmdToPixel } from "../protocol/coordinates.js";
import { encodePng } from "./render/png.js";

/** An RGB picture of the target's screen at its native size. */
export interface Frame {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface StreamerOptions {
  /** Renders the screen (console and pointer) at native size. */
  render(): Frame;
  /** Whether the target shows a picture (kvmd's `source.online`; false while powered off). */
  online(): boolean;
  /** JPEG quality 1..100. Default 80. */
  quality?: number;
  /** Frames per second at most, 0 = no limit. Default 30. */
  desiredFps?: number;
  /** The last frame is sent again after this much quiet, ms (so a viewer sees the stream is alive). Default 1000. */
  keepaliveMs?: number;
  /** Most MJPEG viewers at once; more are refused with 503. Default 10. */
  maxClients?: number;
}

export interface StreamClientStat {
  fps: number;
  extra_headers: boolean;
  advance_headers: boolean;
  dual_final_frames: boolean;
  zero_data: boolean;
  key: string;
}

interface StreamClient {
  id: string;
  res: ServerResponse;
  stat: StreamClientStat;
  /** Send times of the last second's frames (for `fps`). */
  sent: number[];
  /** Skips frames while the socket's buffer is full (a slow viewer gets the newest frame, not a backlog). */
  waiting: boolean;
}

const BOUNDARY = "boundarydonotcross";

/**
 * The video half of the emulator, shaped like kvmd's streamer (ustreamer behind it): params (quality,
 * resolution, desired_fps), MJPEG viewers with uStreamer's `clients_stat`, JPEG/PNG snapshots and the saved
 * snapshot. Frames are encoded only when the screen changed (plus a keep-alive), once for all viewers.
 */
export class VirtualStreamer extends EventEmitter<{ state: [Record<string, unknown>]; client: [string, boolean] }> {
  readonly native: { width: number; height: number };
  readonly availableResolutions: string[];
  params: { desired_fps: number; quality: number; resolution: string };
  saved: { online: boolean; width: number; height: number; jpeg: Buffer } | null = null;
  readonly #o: StreamerOptions;
  readonly #clients = new Map<string, StreamClient>();
  #dirty = true;
  #last: { jpeg: Buffer; at: number } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #keepalive: ReturnType<typeof setInterval> | undefined;
  #lastSentAt = 0;
  #stats: ReturnType<typeof setInterval> | undefined;
  #lastStats = "";
  /** Frames encoded since start (for tests and the bench). */
  encoded = 0;

  constructor(options: StreamerOptions) {
    super();
    this.#o = options;
    const f = options.render();
    this.native = { width: f.width, height: f.height };
    const res = (k: number) => `${Math.round(f.width * k)}x${Math.round(f.height * k)}`;
    this.availableResolutions = [res(1), res(0.5), res(1.5)];
    this.params = {
      desired_fps: options.desiredFps ?? 30,
      quality: options.quality ?? 80,
      resolution: res(1),
    };
  }

  get clients(): number {
    return this.#clients.size;
  }

  get size(): { width: number; height: number } {
    const [w, h] = this.params.resolution.split("x").map(Number);
    return { width: w as number, height: h as number };
  }

  /** The pixel of the native screen that kvmd coordinates point at. */
  pixelOf(x: number, y: number): { x: number; y: number } {
    return kvmdToPixel(x, y, this.native);
  }

  /** kvmd's streamer state (`GET /api/streamer`, the `streamer` event). */
  state(): Record<string, unknown> {
    const p = this.params;
    const size = this.size;
    const clientsStat: Record<string, StreamClientStat> = {};
    let queued = 0;
    for (const c of this.#clients.values()) {
      clientsStat[c.id] = { ...c.stat, fps: this.#fps(c) };
      queued = Math.max(queued, clientsStat[c.id]?.fps ?? 0);
    }
    return {
      features: { quality: true, resolution: true, h264: false },
      limits: { desired_fps: { min: 0, max: 70 }, available_resolutions: [...this.availableResolutions] },
      params: { ...p },
      applied: { ...p },
      streamer: {
        instance_id: "",
        encoder: { type: "CPU", quality: p.quality },
        h264: null,
        sinks: { jpeg: { has_clients: false }, h264: { has_clients: false } },
        source: { resolution: size, online: this.#o.online(), desired_fps: p.desired_fps, captured_fps: p.desired_fps },
        stream: { queued_fps: queued, clients: this.#clients.size, clients_stat: clientsStat },
      },
      snapshot: {
        saved: this.saved ? { online: this.saved.online, width: this.saved.width, height: this.saved.height } : null,
      },
    };
  }

  /** kvmd `/api/streamer/set_params` (already validated): values outside the limits are ignored, as kvmd does. */
  setParams(p: { quality?: number; desired_fps?: number; resolution?: string }): void {
    const n = { ...this.params };
    if (p.quality !== undefined) n.quality = Math.min(Math.max(p.quality, 1), 100);
    if (p.resolution !== undefined && this.availableResolutions.includes(p.resolution)) n.resolution = p.resolution;
    if (p.desired_fps !== undefined && p.desired_fps >= 0 && p.desired_fps <= 70) n.desired_fps = p.desired_fps;
    const changed = JSON.stringify(n) !== JSON.stringify(this.params);
    this.params = n;
    if (changed) {
      this.changed();
      this.#emitState(["params", "applied", "limits", "streamer"]);
    }
  }

  /** kvmd `/api/streamer/reset`: the streamer restarts, so every viewer is cut (the UI reconnects). */
  reset(): void {
    for (const c of [...this.#clients.values()]) c.res.end();
    this.#last = undefined;
    this.changed();
  }

  /** The screen changed: viewers get a new frame (at most desired_fps per second). */
  changed(): void {
    this.#dirty = true;
    if (this.#clients.size) this.#schedule();
  }

  /** The current picture as JPEG at the stream's resolution and quality. */
  snapshotJpeg(options: { maxWidth?: number; maxHeight?: number; quality?: number } = {}): {
    jpeg: Buffer;
    width: number;
    height: number;
  } {
    let f = resize(this.#o.render(), this.size.width, this.size.height);
    if (options.maxWidth !== undefined || options.maxHeight !== undefined) {
      // kvmd's preview: a fifth of the size by default, otherwise fitted into the given box, aspect kept.
      let mw = options.maxWidth ?? 0;
      let mh = options.maxHeight ?? 0;
      if (mw === 0 && mh === 0) {
        mw = Math.floor(f.width / 5);
        mh = Math.floor(f.height / 5);
      } else {
        mw = Math.min(mw || f.width, f.width);
        mh = Math.min(mh || f.height, f.height);
      }
      const k = Math.min(mw / f.width, mh / f.height);
      f = resize(f, Math.max(1, Math.round(f.width * k)), Math.max(1, Math.round(f.height * k)));
    }
    return { jpeg: encodeJpeg(f, options.quality ?? this.params.quality), width: f.width, height: f.height };
  }

  snapshotPng(): Buffer {
    const f = resize(this.#o.render(), this.size.width, this.size.height);
    return encodePng(f.width, f.height, f.rgb);
  }

  /** Starts an MJPEG response for one viewer (`/streamer/stream`); ends when the viewer leaves. */
  addClient(res: ServerResponse, q: { key: string; advanceHeaders: boolean; dualFinalFrames: boolean }): boolean {
    if (this.#clients.size >= (this.#o.maxClients ?? 10)) return false;
    const id = randomBytes(8).readBigUInt64BE().toString();
    const c: StreamClient = {
      id,
      res,
      sent: [],
      waiting: false,
      stat: {
        fps: 0,
        extra_headers: false,
        advance_headers: q.advanceHeaders,
        dual_final_frames: q.dualFinalFrames,
        zero_data: false,
        key: q.key,
      },
    };
    res.writeHead(200, {
      "Content-Type": `multipart/x-mixed-replace;boundary=${BOUNDARY}`,
      "Cache-Control": "no-store, no-cache, must-revalidate, proxy-revalidate, pre-check=0, post-check=0, max-age=0",
      Pragma: "no-cache",
      // The web UI finds its own entry in `clients_stat` through this cookie (uStreamer's).
      "Set-Cookie": `stream_client=${q.key}/${id}; path=/; max-age=30`,
    });
    if (q.advanceHeaders) res.write(partHeader());
    this.#clients.set(id, c);
    res.on("drain", () => {
      c.waiting = false;
    });
    res.on("close", () => {
      this.#clients.delete(id);
      if (this.#clients.size === 0) this.#stopTimers();
      this.emit("client", id, false);
      this.#emitState(["streamer"]);
    });
    this.emit("client", id, true);
    this.#emitState(["streamer"]);
    this.#startKeepalive();
    // kvmd polls the streamer every second: viewers' fps changes reach the web UI as `streamer` events.
    this.#stats ??= setInterval(() => {
      const now = JSON.stringify((this.state().streamer as { stream: unknown }).stream);
      if (now === this.#lastStats) return;
      this.#lastStats = now;
      this.#emitState(["streamer"]);
    }, 1000);
    this.#stats.unref?.();
    // A new viewer gets the current picture at once.
    if (this.#last && !this.#dirty) this.#send(c, this.#last.jpeg);
    else this.#schedule();
    return true;
  }

  close(): void {
    this.#stopTimers();
    for (const c of [...this.#clients.values()]) c.res.end();
  }

  #emitState(keys: string[]): void {
    if (this.listenerCount("state") === 0) return;
    const s = this.state();
    this.emit("state", Object.fromEntries(keys.map((k) => [k, s[k]])));
  }

  #fps(c: StreamClient): number {
    const from = Date.now() - 1000;
    while (c.sent.length && (c.sent[0] as number) < from) c.sent.shift();
    return c.sent.length;
  }

  #schedule(): void {
    if (this.#timer) return;
    const fps = this.params.desired_fps;
    const wait = fps > 0 ? Math.max(0, this.#lastSentAt + 1000 / fps - Date.now()) : 0;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#clients.size) this.#broadcast();
    }, wait);
  }

  #broadcast(): void {
    if (this.#dirty || !this.#last) {
      const f = resize(this.#o.render(), this.size.width, this.size.height);
      this.#last = { jpeg: encodeJpeg(f, this.params.quality), at: Date.now() };
      this.encoded++;
      this.#dirty = false;
    }
    this.#lastSentAt = Date.now();
    for (const c of this.#clients.values()) this.#send(c, this.#last.jpeg);
  }

  #send(c: StreamClient, data: Buffer): void {
    if (c.waiting || c.res.writableEnded) return;
    const now = Date.now();
    c.sent.push(now);
    let ok: boolean;
    if (c.stat.advance_headers) {
      // The next part's headers follow each frame at once: Chromium shows a part only when the next one starts.
      c.res.write(data);
      ok = c.res.write(`\r\n${partHeader()}`);
    } else {
      c.res.write(partHeader(data.length, now));
      c.res.write(data);
      ok = c.res.write("\r\n");
    }
    if (!ok) c.waiting = true;
  }

  #startKeepalive(): void {
    const every = this.#o.keepaliveMs ?? 1000;
    if (this.#keepalive || every <= 0) return;
    this.#keepalive = setInterval(() => {
      if (!this.#last || this.#dirty) return;
      if (Date.now() - this.#lastSentAt < every) return;
      this.#lastSentAt = Date.now();
      for (const c of this.#clients.values()) this.#send(c, this.#last.jpeg);
    }, every);
    this.#keepalive.unref?.();
  }

  #stopTimers(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#keepalive);
    clearInterval(this.#stats);
    this.#stats = undefined;
    this.#timer = undefined;
    this.#keepalive = undefined;
  }
}

function partHeader(length?: number, at = Date.now()): string {
  return (
    `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\n` +
    (length !== undefined ? `Content-Length: ${length}\r\nX-Timestamp: ${(at / 1000).toFixed(6)}\r\n` : "") +
    "\r\n"
  );
}

function resize(f: Frame, width: number, height: number): Frame {
  if (f.width === width && f.height === height) return f;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(f.height - 1, Math.floor((y * f.height) / height));
    for (let x = 0; x < width; x++) {
      const s = (sy * f.width + Math.min(f.width - 1, Math.floor((x * f.width) / width))) * 3;
      const d = (y * width + x) * 3;
      out[d] = f.rgb[s] as number;
      out[d + 1] = f.rgb[s + 1] as number;
      out[d + 2] = f.rgb[s + 2] as number;
    }
  }
  return { width, height, rgb: out };
}

/** Baseline JPEG of RGB pixels (jpeg-js wants RGBA). */
export function encodeJpeg(f: Frame, quality: number): Buffer {
  const rgba = Buffer.alloc(f.width * f.height * 4, 0xff);
  for (let i = 0, j = 0; i < f.rgb.length; i += 3, j += 4) {
    rgba[j] = f.rgb[i] as number;
    rgba[j + 1] = f.rgb[i + 1] as number;
    rgba[j + 2] = f.rgb[i + 2] as number;
  }
  return jpeg.encode({ width: f.width, height: f.height, data: rgba }, quality).data;
}
