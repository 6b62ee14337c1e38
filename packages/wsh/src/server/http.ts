import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError, readBody, type SlowConsumerOptions, WsEndpoint } from "@proj/ws-core/server";
import { API_ERRORS, type ApiErrorCode, apiErrorBody } from "../protocol/errors.js";
import type { Role } from "./auth.js";

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

/**
 * The WebSocket endpoint of a route: the server's trust policy and auth (run in `authenticate`, so the
 * server's one guard applies even if it is rebuilt at `listen()`), limits and shutdown answer, and the
 * route's slow-consumer policy. The connection's context is its role.
 */
export function routeEndpoint(
  o: { authenticate: (req: IncomingMessage) => Role; maxPayload: number; heartbeatMs: number | false },
  slowConsumer: SlowConsumerOptions,
): WsEndpoint<Role> {
  return new WsEndpoint<Role>({
    maxPayload: o.maxPayload,
    access: false, // checked by `authenticate` with the server's guard
    authenticate: o.authenticate,
    closingError: SHUTTING_DOWN,
    heartbeat: o.heartbeatMs === false ? false : { intervalMs: o.heartbeatMs },
    slowConsumer,
  });
}
