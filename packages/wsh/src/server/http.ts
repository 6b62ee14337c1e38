import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "@proj/ws-core/server";
import { API_ERRORS, type ApiErrorCode, apiErrorBody } from "../protocol/errors.js";

/** An HttpError carrying upstream's JSON envelope. */
export function apiError(code: ApiErrorCode, detail?: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(API_ERRORS[code].status, apiErrorBody(code, detail), headers);
}

/** Upgrades refused while the server shuts down: 503 in the REST envelope. */
export const SHUTTING_DOWN = apiError("shutting_down");

export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** Reads the body up to `limit` bytes; past it, 413 payload_too_large. */
export async function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw apiError("payload_too_large", `at most ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw apiError("payload_too_large", `at most ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
