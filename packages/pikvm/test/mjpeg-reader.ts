import { type IncomingMessage, request } from "node:http";
import jpeg from "jpeg-js";
import { trackLeftover } from "@proj/ws-core/testing";
import { AUTH } from "./helpers.js";

export interface MjpegPart {
  headers: Record<string, string>;
  jpeg: Buffer;
  image: { width: number; height: number; data: Uint8Array };
}

/**
 * A real MJPEG reader: opens `/streamer/stream`, splits `multipart/x-mixed-replace` into parts (by
 * Content-Length, or up to the next boundary for advance_headers), decodes every JPEG frame.
 */
export async function openMjpeg(url: string, headers: Record<string, string> = AUTH) {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { headers }, resolve);
    req.on("error", reject);
    req.end();
  });
  const type = res.headers["content-type"] ?? "";
  const boundary = /boundary=([^;]+)/.exec(type)?.[1];
  let buf = Buffer.alloc(0);
  const parts: MjpegPart[] = [];
  const waiters: Array<() => void> = [];
  let raw = Buffer.alloc(0);
  let ended = false;
  const parse = () => {
    if (!boundary) return;
    const sep = Buffer.from(`--${boundary}\r\n`);
    for (;;) {
      const start = buf.indexOf(sep);
      if (start < 0) return;
      const headEnd = buf.indexOf("\r\n\r\n", start);
      if (headEnd < 0) return;
      const hs: Record<string, string> = {};
      for (const line of buf
        .subarray(start + sep.length, headEnd)
        .toString()
        .split("\r\n")) {
        const i = line.indexOf(":");
        if (i > 0) hs[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const from = headEnd + 4;
      let to: number;
      let next: number;
      if (hs["content-length"]) {
        to = from + Number(hs["content-length"]);
        if (buf.length < to + 2) return;
        next = to + 2;
      } else {
        to = buf.indexOf(`\r\n--${boundary}`, from);
        if (to < 0) return;
        next = to + 2;
      }
      const data = Buffer.from(buf.subarray(from, to));
      buf = buf.subarray(next);
      parts.push({ headers: hs, jpeg: data, image: jpeg.decode(data, { useTArray: true }) });
      for (const w of waiters.splice(0)) w();
    }
  };
  res.on("data", (c: Buffer) => {
    raw = Buffer.concat([raw, c]).subarray(0, 4096);
    buf = Buffer.concat([buf, c]);
    parse();
  });
  res.on("close", () => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  });
  const close = () => res.destroy();
  const untrack = trackLeftover(close);
  return {
    res,
    parts,
    /** The first bytes of the body, as sent. */
    get head(): Buffer {
      return raw;
    },
    /** Waits for the part with index `n` (0-based). */
    async part(n: number): Promise<MjpegPart> {
      while (parts.length <= n) {
        if (ended) throw new Error(`stream ended after ${parts.length} parts`);
        await new Promise<void>((r) => waiters.push(r));
      }
      return parts[n] as MjpegPart;
    },
    close() {
      untrack();
      close();
    },
  };
}

/** The RGB of pixel (x, y) of a decoded frame (jpeg-js gives RGBA). */
export function pixel(img: MjpegPart["image"], x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 4;
  return [img.data[i] as number, img.data[i + 1] as number, img.data[i + 2] as number];
}
