import type { ServerResponse } from "node:http";
import { HttpError } from "@proj/ws-core/server";
import { pyJsonPretty } from "../protocol/py-json.js";

const JSON_TYPE = "application/json; charset=utf-8";

/** kvmd's envelope: `{"ok": bool, "result": …}`, sorted keys, 4-space indent. */
export function kvmdBody(ok: boolean, result: unknown): string {
  return pyJsonPretty({ ok, result });
}

/** A refusal in kvmd's shape (`{"ok": false, "result": {"error", "error_msg"}}`), usable before an upgrade too. */
export class KvmdError extends HttpError {
  override name = "KvmdError";
  readonly error: string;
  readonly errorMsg: string;
  constructor(status: number, error: string, errorMsg: string, headers: Record<string, string> = {}) {
    super(status, kvmdBody(false, { error, error_msg: errorMsg }), { "Content-Type": JSON_TYPE, ...headers });
    this.error = error;
    this.errorMsg = errorMsg;
  }
}

export const unauthorized = () => new KvmdError(401, "UnauthorizedError", "Unauthorized");
export const forbidden = () => new KvmdError(403, "ForbiddenError", "Forbidden");
export const validatorError = (msg: string) => new KvmdError(400, "ValidatorError", msg);
export const notFound = () => new KvmdError(404, "HTTPNotFound", "Not Found");
/** kvmd's refusal of a value that is not one of valid_bool's spellings. */
export const invalidBool = (raw: string) =>
  validatorError(`The argument '${raw}' is not a valid bool (['1', 'true', 'yes'] or ['0', 'false', 'no'])`);

export function sendKvmd(
  res: ServerResponse,
  status: number,
  result: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, kvmdBody(status < 400, result), headers);
}

export function sendKvmdError(res: ServerResponse, err: KvmdError): void {
  send(res, err.status, err.body as string, err.headers);
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { "Content-Type": JSON_TYPE, "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
