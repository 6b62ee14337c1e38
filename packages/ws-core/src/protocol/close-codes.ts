/** Standard close codes (RFC 6455 section 7.4.1) used across the packages. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatus: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  /** Application codes (4000-4999), graphql-ws style: 4000 + the HTTP status they mirror. */
  BadRequest: 4400,
  Unauthorized: 4401,
  Forbidden: 4403,
  Timeout: 4408,
  Conflict: 4409,
  TooManyRequests: 4429,
  ServerError: 4500,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Codes a client must not retry: the server refused it for a reason a retry will not change. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.ProtocolError,
  CloseCode.UnsupportedData,
  CloseCode.InvalidPayload,
  CloseCode.PolicyViolation,
  CloseCode.MessageTooBig,
  CloseCode.BadRequest,
  CloseCode.Unauthorized,
  CloseCode.Forbidden,
  CloseCode.Conflict,
]);

export function isApplicationCloseCode(code: number): boolean {
  return code >= 4000 && code <= 4999;
}

/** Close reasons are limited to 123 UTF-8 bytes by the spec; longer ones make `close()` throw. */
export function limitCloseReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= 123) return reason;
  let out = "";
  let used = 0;
  for (const ch of reason) {
    const n = new TextEncoder().encode(ch).length;
    if (used + n > 120) break;
    out += ch;
    used += n;
  }
  return `${out}...`;
}
