import { AbortError } from "../errors.js";

/** The typed error for an aborted signal, keeping the signal's own reason as the cause. */
export function abortErrorFrom(signal: AbortSignal): AbortError {
  const r = signal.reason;
  if (r instanceof AbortError) return r;
  return new AbortError(r instanceof Error ? r.message : "The operation was aborted", { cause: r });
}
