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
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined && k !== "set-cookie") headers[k] = String(v);
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
    r.end(req.body);
  });
