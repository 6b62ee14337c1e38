import { validInt } from "../../protocol/validate.js";
import { formatLogRecord } from "../emulator-log.js";
import { KvmdError, validatorError } from "../kvmd-error.js";
import { CELL_H, CELL_W } from "../render/console-image.js";
import { boolArg, oneOf, query, type RestContext, type Route } from "./context.js";

const OCR_LANGS = ["eng"];

/** kvmd's `valid_number` with bounds: a 400 ValidatorError naming `label` outside them. */
function numberArg(ctx: RestContext, name: string, label: string, min: number, max: number, fallback: number): number {
  const raw = query(ctx, name);
  if (raw === null) return fallback;
  const v = validInt(raw, 16);
  if (v === undefined || v < min || v > max) throw validatorError(`The argument '${raw}' is not a valid ${label}`);
  return v;
}

function unavailable(): KvmdError {
  return new KvmdError(503, "UnavailableError", "Service Unavailable");
}

/**
 * The screen's text, as kvmd's OCR would read it: whole, or the characters whose cells lie inside the
 * rectangle (pixels of the stream's resolution) when all four sides are given and make one.
 */
function ocrText(ctx: RestContext): string {
  const { console: con, streamer } = ctx.deps;
  const lines = con.powered ? con.lines : [];
  const side = (n: string) => numberArg(ctx, `ocr_${n}`, "number", -(2 ** 31), 2 ** 31, -1);
  const [left, top, right, bottom] = [side("left"), side("top"), side("right"), side("bottom")];
  const { width, height } = streamer.size;
  const whole = !(left >= 0 && top >= 0 && right > left && bottom > top && right <= width && bottom <= height);
  if (whole) return `${lines.join("\n")}\n`;
  const kx = streamer.native.width / width;
  const ky = streamer.native.height / height;
  const out: string[] = [];
  lines.forEach((line, r) => {
    const cy = (1 + r * CELL_H + CELL_H / 2) * 2; // cell centre, native pixels (scale 2, 1-dot margin)
    if (cy < top * ky || cy >= bottom * ky) return;
    let text = "";
    [...line].forEach((ch, c) => {
      const cx = (1 + c * CELL_W + CELL_W / 2) * 2;
      if (cx >= left * kx && cx < right * kx) text += ch;
    });
    out.push(text);
  });
  return `${out.join("\n")}\n`;
}

export const streamerRoutes: Route[] = [
  { method: "GET", path: "/streamer", handler: (ctx) => ctx.deps.streamer.state() },
  { method: "GET", path: "/streamer/ocr", handler: (ctx) => ({ ocr: ctx.deps.states.ocr() }) },
  {
    method: "POST",
    path: "/streamer/set_params",
    handler(ctx) {
      const p: { quality?: number; desired_fps?: number; resolution?: string } = {};
      // kvmd skips empty values; a streamer without H.264 refuses its params (400 OperationError).
      for (const name of ["h264_bitrate", "h264_gop"])
        if (query(ctx, name))
          throw new KvmdError(400, "StreamerH264NotSupported", "This streamer does not support H264");
      if (query(ctx, "quality")) p.quality = numberArg(ctx, "quality", "stream quality", 1, 100, 80);
      if (query(ctx, "desired_fps")) p.desired_fps = numberArg(ctx, "desired_fps", "stream FPS", 0, 120, 30);
      const res = query(ctx, "resolution");
      if (res) {
        const m = /^\s*(\d+)x(\d+)\s*$/.exec(res);
        if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
          throw validatorError(`The argument '${res}' is not a valid stream resolution`);
        p.resolution = `${Number(m[1])}x${Number(m[2])}`;
      }
      ctx.deps.streamer.setParams(p);
      ctx.deps.log.info("kvmd.apps.kvmd.streamer", `Streamer params: ${JSON.stringify(ctx.deps.streamer.params)}`);
      return {};
    },
  },
  {
    method: "POST",
    path: "/streamer/reset",
    handler(ctx) {
      ctx.deps.streamer.reset();
      ctx.deps.log.info("kvmd.apps.kvmd.streamer", "Streamer reset");
      return {};
    },
  },
  {
    method: "GET",
    path: "/streamer/snapshot",
    handler(ctx) {
      const { streamer, console: con } = ctx.deps;
      const save = boolArg(ctx, "save", false);
      const load = boolArg(ctx, "load", false);
      const allowOffline = boolArg(ctx, "allow_offline", false);
      const ocr = boolArg(ctx, "ocr", false);
      const preview = boolArg(ctx, "preview", false);
      const langsRaw = (query(ctx, "ocr_langs") ?? "").trim();
      const langs = langsRaw
        .split(/[,\t ]+/)
        .filter(Boolean)
        .map((l) => oneOf(l, "OCR lang", OCR_LANGS));
      void langs;
      const format = query(ctx, "format") ?? "jpeg";
      if (format !== "jpeg" && format !== "png") throw validatorError(`The argument '${format}' is not a valid format`);
      // The target's screen is "offline" (no signal) while it is powered off, as a capture card reports it.
      const online = con.powered;
      let jpeg: { jpeg: Buffer; width: number; height: number } | undefined;
      if (load) {
        if (!streamer.saved) throw unavailable();
        jpeg = { jpeg: streamer.saved.jpeg, width: streamer.saved.width, height: streamer.saved.height };
      } else {
        if (!online && !allowOffline) throw unavailable();
        if (save) {
          const j = streamer.snapshotJpeg();
          streamer.saved = { online, width: j.width, height: j.height, jpeg: j.jpeg };
          streamer.emit("state", { snapshot: streamer.state().snapshot as Record<string, unknown> });
        }
      }
      const headers = { "Cache-Control": "no-store", "X-UStreamer-Online": String(online) };
      if (ocr) {
        const text = ocrText(ctx);
        ctx.res.writeHead(200, {
          ...headers,
          "Content-Type": "text/plain; charset=utf-8",
          "Content-Length": Buffer.byteLength(text),
        });
        ctx.res.end(text);
        return undefined;
      }
      let body: Buffer;
      let type = "image/jpeg";
      if (preview) {
        body = streamer.snapshotJpeg({
          maxWidth: numberArg(ctx, "preview_max_width", "number", 0, 2 ** 31, 0),
          maxHeight: numberArg(ctx, "preview_max_height", "number", 0, 2 ** 31, 0),
          quality: numberArg(ctx, "preview_quality", "stream quality", 1, 100, 80),
        }).jpeg;
      } else if (format === "png" && !load) {
        body = streamer.snapshotPng();
        type = "image/png";
      } else body = jpeg?.jpeg ?? streamer.snapshotJpeg().jpeg;
      ctx.res.writeHead(200, { ...headers, "Content-Type": type, "Content-Length": body.length });
      ctx.res.end(body);
      return undefined;
    },
  },
  {
    method: "DELETE",
    path: "/streamer/snapshot",
    handler(ctx) {
      ctx.deps.streamer.saved = null;
      ctx.deps.streamer.emit("state", { snapshot: { saved: null } });
      return {};
    },
  },
  {
    method: "GET",
    path: "/log",
    async handler(ctx) {
      const seek = numberArg(ctx, "seek", "log seek", 0, 2 ** 53, 0);
      const follow = boolArg(ctx, "follow", false);
      const { log } = ctx.deps;
      ctx.res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
      for (const r of log.since(seek)) ctx.res.write(formatLogRecord(r));
      if (!follow) {
        ctx.res.end();
        return undefined;
      }
      // Follow: new lines as they are logged, until the reader goes away.
      await new Promise<void>((resolve) => {
        const stop = log.follow((r) => ctx.res.write(formatLogRecord(r)));
        ctx.res.on("close", () => {
          stop();
          resolve();
        });
      });
      return undefined;
    },
  },
];
