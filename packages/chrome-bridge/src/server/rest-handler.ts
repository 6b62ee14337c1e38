import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type AccessGuard, HttpError, readBody, requestPath, sendJson } from "@proj/ws-core/server";
import { SERVER_NAME, SERVER_VERSION } from "../protocol/constants.js";
import { BridgeError, CommandValidationError } from "../protocol/errors.js";
import { type RestEnvelope, SHORTCUT_ROUTES, type ServerStatus } from "../protocol/rest.js";
import { nowSeconds } from "../protocol/time.js";
import { parseCommand } from "../protocol/validate.js";
import { refusalMessage, tokenMatches } from "./access.js";
import type { ExtensionHub } from "./extension-hub.js";
import { STATUS_BY_CODE } from "./hub-errors.js";
import type { ResolvedOptions } from "./options.js";
import { shortcutCommand } from "./shortcut-input.js";

const CORS_HEADERS = {
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, Authorization, X-Bridge-Token, X-Extension-Id",
  "Access-Control-Max-Age": "600",
};

const ok = (message: string, data: Record<string, unknown>): RestEnvelope => ({
  success: true,
  message,
  data,
  error: null,
  timestamp: nowSeconds(),
});

const fail = (error: string, commandId: string | null = null): RestEnvelope => ({
  success: false,
  message: null,
  data: null,
  error,
  command_id: commandId,
  timestamp: nowSeconds(),
});

const NO_QUERY: URLSearchParams = new URLSearchParams();

const KNOWN_ROUTES: Record<string, string[]> = {
  "/": ["GET"],
  "/health": ["GET"],
  "/command": ["POST"],
  "/tabs": ["GET", "POST"],
  ...Object.fromEntries(Object.keys(SHORTCUT_ROUTES).map((r) => [r, r === "/tabs" ? ["GET", "POST"] : ["POST"]])),
};

/** The REST half as a plain request listener, so any Node HTTP server can mount it. */
export function createRestHandler(hub: ExtensionHub, o: ResolvedOptions, access: AccessGuard) {
  async function readJson(req: IncomingMessage, allowEmpty: boolean): Promise<unknown> {
    const text = (await readBody(req, o.maxBodyBytes)).toString("utf8");
    if (text.trim() === "") {
      if (allowEmpty) return undefined;
      throw new CommandValidationError(400, ["Request body must be a JSON command object"]);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new CommandValidationError(400, ["Invalid JSON body"]);
    }
  }

  async function runCommand(
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
    input: unknown,
    cors: Record<string, string>,
  ) {
    // The id is assigned here, so a 503/504 body names the one the executor saw.
    const command = parseCommand(input);
    command.command_id ??= `cmd-${randomUUID()}`;
    const target = (req.headers["x-extension-id"] as string | undefined) ?? query.get("extension") ?? undefined;
    try {
      const r = await hub.dispatch(command, target ? { extensionId: target } : {});
      sendJson(
        res,
        200,
        {
          success: r.success,
          message: r.message,
          data: r.data,
          error: r.error,
          command_id: r.command_id,
          timestamp: r.timestamp,
        },
        cors,
      );
    } catch (err) {
      if (!(err instanceof BridgeError)) throw err;
      sendJson(res, STATUS_BY_CODE[err.code] ?? 500, fail(err.message, command.command_id ?? null), cors);
    }
  }

  return async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Literal path (as the upgrade router reads it) and the query only when there is one: no URL parse per command.
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const query = q < 0 ? NO_QUERY : new URLSearchParams(raw.slice(q + 1));
    let path = requestPath(raw);
    if (o.basePath)
      path = path === o.basePath ? "/" : path.startsWith(`${o.basePath}/`) ? path.slice(o.basePath.length) : "";
    const method = req.method ?? "GET";
    const origin = req.headers.origin;
    // Before the body is read: a refused request (foreign Host or Origin, cross-site POST) never runs a command.
    if (access.check(req)) {
      sendJson(res, 403, fail(refusalMessage(access, req)));
      return;
    }
    const cors: Record<string, string> = origin ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : {};
    const allowed = KNOWN_ROUTES[path];
    if (method === "OPTIONS" && allowed) {
      res.writeHead(204, { ...cors, ...CORS_HEADERS });
      res.end();
      return;
    }
    if (path !== "/health" && !tokenMatches(o.token, req)) {
      sendJson(res, 401, fail("Missing or invalid token"), { ...cors, "WWW-Authenticate": "Bearer" });
      return;
    }
    if (!allowed) {
      sendJson(res, 404, fail("Not Found"), cors);
      return;
    }
    if (!allowed.includes(method)) {
      sendJson(res, 405, fail("Method Not Allowed"), { ...cors, Allow: allowed.join(", ") });
      return;
    }
    try {
      if (path === "/") {
        const status: ServerStatus = {
          name: SERVER_NAME,
          version: SERVER_VERSION,
          status: "healthy",
          websocket_connections: hub.size,
          extensions_connected: hub.size,
          pending_commands: hub.pendingCount,
          connections: hub.connections(),
        };
        sendJson(res, 200, ok("Local Chrome Server is running", { ...status }), cors);
      } else if (path === "/health") {
        sendJson(res, 200, ok("Server is healthy", { status: "ok", timestamp: nowSeconds() }), cors);
      } else if (path === "/command") {
        await runCommand(req, res, query, await readJson(req, false), cors);
      } else if (path === "/tabs" && method === "GET") {
        await runCommand(req, res, query, { type: "get_tabs" }, cors);
      } else {
        const body = await readJson(req, true);
        await runCommand(req, res, query, shortcutCommand(path as keyof typeof SHORTCUT_ROUTES, body, query), cors);
      }
    } catch (err) {
      if (err instanceof CommandValidationError) sendJson(res, err.status, fail(err.message), cors);
      else if (err instanceof HttpError)
        sendJson(res, err.status, fail(err.status === 413 ? "Payload too large" : err.message), cors);
      else sendJson(res, 500, fail(`Internal error: ${(err as Error).message}`), cors);
    }
  };
}
