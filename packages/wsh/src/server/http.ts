import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, readBody, type SlowConsumerOptions, WsEndpoint } from "@proj/ws-core/server";
import { API_ERRORS, type ApiErrorCode, apiErrorBody } from "../protocol/errors.js";

/** An HttpError carrying upstream's JSON envelope. */
export function apiError(code: ApiErrorCode, detail?: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(API_ERRORS[code].status, apiErrorBody(code, detail), headers);
}

/** Upgrades refused while the server shuts down: 503 in the REST envelope. */
const SHUTTING_DOWN = apiError("shutting_down");

export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** ws-core's `readBody`, with its 413 in upstream's envelope (`payload_too_large`). */
export async function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  try {
    return await readBody(req, limit);
  } catch (err) {
    if (err instanceof HttpError && err.status === 413) throw apiError("payload_too_large", `at most ${limit} bytes`);
    throw err;
  }
}

/** The WebSocket endpoint of a route: the server's auth, limits and shutdown answer, the route's slow-consumer policy. */
export function routeEndpoint(
  o: { authenticate: (req: IncomingMessage) => void; maxPayload: number; heartbeatMs: number | false },
  slowConsumer: SlowConsumerOptions,
): WsEndpoint<undefined> {
  return new WsEndpoint<undefined>({
    maxPayload: o.maxPayload,
    authenticate: o.authenticate,
    closingError: SHUTTING_DOWN,
    heartbeat: o.heartbeatMs === false ? false : { intervalMs: o.heartbeatMs },
    slowConsumer,
  });
}
