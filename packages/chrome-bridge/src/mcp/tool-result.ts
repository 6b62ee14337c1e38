import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { RestEnvelope } from "../protocol/rest.js";

type Content = CallToolResult["content"][number];

const DATA_IMAGE = /^data:(image\/[\w.+-]+);base64,/;

/**
 * Images in the answer's data (screenshot's `imageData`, or any `data:image/...` string field) become image
 * content the model can see; the rest of the data stays text, as compact JSON.
 */
function splitImages(data: unknown): { images: Content[]; rest: unknown } {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return { images: [], rest: data };
  const images: Content[] = [];
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    const m = typeof v === "string" ? DATA_IMAGE.exec(v) : null;
    if (m) images.push({ type: "image", data: (v as string).slice(m[0].length), mimeType: m[1] as string });
    else rest[k] = v;
  }
  return { images, rest };
}

/** A bridge answer as a tool result: `success:false` is a tool error (isError), with the bridge's words. */
export function envelopeToToolResult(r: RestEnvelope<unknown>): CallToolResult {
  const { images, rest } = splitImages(r.data);
  const lines = [r.success ? (r.message ?? "OK") : `Error: ${r.error ?? r.message ?? "command failed"}`];
  if (rest !== null && rest !== undefined) lines.push(JSON.stringify(rest));
  return { content: [{ type: "text", text: lines.join("\n") }, ...images], ...(r.success ? {} : { isError: true }) };
}

/** A refusal before or instead of an answer (bad arguments, HTTP 401/422/503/504, bridge unreachable). */
export function errorToToolResult(message: string, body?: unknown): CallToolResult {
  const text = body === undefined ? message : `${message}\n${JSON.stringify(body)}`;
  return { content: [{ type: "text", text: `Error: ${text}` }], isError: true };
}
