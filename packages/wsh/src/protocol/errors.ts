// The REST error envelope `{"error":{"code","message"}}` with upstream's codes and exact messages.
import { CodedError } from "@proj/ws-core";

export const API_ERRORS = {
  auth_required: {
    status: 401,
    message: "Authentication required. Provide a token via Authorization header or ?token= query parameter.",
  },
  auth_invalid: { status: 403, message: "Invalid authentication token." },
  read_only: { status: 403, message: "The viewer token is read-only." },
  owner_only: { status: 403, message: "Only the owner token may do this." },
  resize_not_allowed: { status: 403, message: "Only the local terminal sets the size (resizePolicy 'attached')." },
  origin_not_allowed: { status: 403, message: "Origin not allowed." },
  host_not_allowed: { status: 403, message: "Host not allowed." },
  cross_site_refused: { status: 403, message: "Cross-site request refused." },
  not_found: { status: 404, message: "Not found." },
  method_not_allowed: { status: 405, message: "Method not allowed." },
  invalid_request: { status: 400, message: "Invalid request." },
  invalid_format: { status: 400, message: "Invalid format." },
  payload_too_large: { status: 413, message: "Request body too large." },
  channel_full: { status: 503, message: "Server is overloaded. Try again shortly." },
  parser_unavailable: { status: 503, message: "Terminal parser is unavailable." },
  shutting_down: { status: 503, message: "Server is shutting down." },
  input_send_failed: { status: 500, message: "Failed to send input to terminal." },
  internal_error: { status: 500, message: "Internal error." },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** Upstream formats detail as `Invalid request: {detail}.` */
export function apiErrorBody(code: ApiErrorCode, detail?: string): ApiErrorBody {
  const base = API_ERRORS[code].message;
  const message = detail ? `${base.replace(/\.$/, "")}: ${detail.replace(/\.$/, "")}.` : base;
  return { error: { code, message } };
}

/** A REST call answered with an error status (JSON envelope when the server sent one). */
/** `code` is the envelope's code, or `http_<status>` when the body was not the JSON envelope. */
export class WshApiError extends CodedError {
  override name = "WshApiError";
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}
