import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { HttpTransport } from "../client/http.js";

/** REST over node:http(s), honouring `verifySsl` and `ca` (Node's fetch cannot skip verification per call). */
export const nodeHttpTransport: HttpTransport = (req) =>
  new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const secure = url.protocol === "https:";
    const r = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: req.method,
        headers: req.headers,
        timeout: req.timeoutMs,
        ...(secure ? { rejectUnauthorized: req.verifySsl, ...(req.ca ? { ca: req.ca } : {}) } : {}),
      },
      (res) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined && k !== "set-cookie") headers[k] = String(v);
        if (req.stream) {
          // No read timeout on a stream (a followed log may be quiet for long); the signal ends it.
          r.setTimeout(0);
          const stream = (async function* () {
            try {
              for await (const c of res) yield new Uint8Array(c as Buffer);
            } finally {
              r.destroy();
            }
          })();
          resolve({
            status: res.statusCode ?? 0,
            headers,
            setCookie: res.headers["set-cookie"] ?? [],
            body: new Uint8Array(0),
            stream,
          });
          return;
        }
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          resolve({
            status: res.statusCode ?? 0,
            headers,
            setCookie: res.headers["set-cookie"] ?? [],
            body: new Uint8Array(Buffer.concat(chunks)),
          });
        });
      },
    );
    r.on("timeout", () => r.destroy(new Error(`request timed out after ${req.timeoutMs} ms`)));
    r.on("error", reject);
    if (req.signal) {
      if (req.signal.aborted) r.destroy(new Error("aborted"));
      else req.signal.addEventListener("abort", () => r.destroy(new Error("aborted")), { once: true });
    }
    const body = req.body;
    if (body !== undefined && typeof body === "object" && Symbol.asyncIterator in body) {
      // A streamed upload: chunks are written as they come, respecting the socket's backpressure.
      (async () => {
        for await (const c of body as AsyncIterable<Uint8Array>) {
          if (!r.write(c)) await new Promise<void>((ok) => r.once("drain", () => ok()));
        }
        r.end();
      })().catch((e) => r.destroy(e as Error));
    } else r.end(body as string | Uint8Array | undefined);
  });
