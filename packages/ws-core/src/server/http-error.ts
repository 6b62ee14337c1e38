import type { ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/** Refuses an HTTP request or WebSocket upgrade with a status and a (JSON) body. */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    body: unknown = { error: STATUS_CODES[status] ?? "error" },
    headers: Record<string, string> = {},
  ) {
    super(typeof body === "string" ? body : `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

function serialise(body: unknown): { text: string; type: string } {
  return typeof body === "string"
    ? { text: body, type: "text/plain; charset=utf-8" }
    : { text: JSON.stringify(body), type: "application/json" };
}

/** Writes a plain HTTP response on a socket that asked to upgrade, then closes it. */
export function rejectUpgrade(socket: Duplex, error: HttpError): void {
  const { text, type } = serialise(error.body);
  const headers: Record<string, string | number> = {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(text),
    Connection: "close",
    ...error.headers,
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n");
  if (socket.writable)
    socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ""}\r\n${head}\r\n\r\n${text}`);
  socket.destroy();
}

/** Answers an ordinary HTTP request with the same envelope. */
export function sendHttpError(res: ServerResponse, error: HttpError): void {
  const { text, type } = serialise(error.body);
  res.writeHead(error.status, { "Content-Type": type, ...error.headers });
  res.end(text);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads a request body up to `limit` bytes; past it, throws HttpError 413 (event-based: no async iterator cost). */
export function readBody(req: NodeJS.ReadableStream, limit = 1024 * 1024): Promise<Buffer> {
  // A declared length past the limit is refused before reading anything (the rest is drained).
  const declared = Number((req as { headers?: Record<string, unknown> }).headers?.["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new HttpError(413, { error: "payload too large" }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: unknown) => {
      req.removeListener("data", onData);
      req.removeListener("end", onEnd);
      req.removeListener("error", onError);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done(new HttpError(413, { error: "payload too large" }));
        req.resume(); // drain the rest so the response can still be written
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

export async function readJsonBody<T = unknown>(req: NodeJS.ReadableStream, limit?: number): Promise<T> {
  const buf = await readBody(req, limit);
  try {
    return JSON.parse(buf.toString("utf8") || "null") as T;
  } catch {
    throw new HttpError(400, { error: "invalid JSON body" });
  }
}
