import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * CORS as upstream configures aiohttp_cors (credentials allowed, any header and method): an allowed Origin
 * is echoed back with `Access-Control-Allow-Credentials: true`. `*` in the list allows every origin.
 */
export class Cors {
  readonly #any: boolean;
  readonly #origins: Set<string>;

  constructor(list: string) {
    const items = list
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    this.#any = items.includes("*");
    this.#origins = new Set(items);
  }

  allows(origin: string): boolean {
    return this.#any || this.#origins.has(origin);
  }

  /** Adds the headers for an ordinary request. */
  apply(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (!origin || !this.allows(origin)) return;
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    res.setHeader("Access-Control-Expose-Headers", "*");
    res.setHeader("Vary", "Origin");
  }

  /** Answers a preflight `OPTIONS`; returns false when the request is not one. */
  preflight(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    const method = req.headers["access-control-request-method"];
    if (req.method !== "OPTIONS" || !origin || typeof method !== "string") return false;
    if (!this.allows(origin)) {
      res.writeHead(403, { "Content-Type": "text/plain" });
      res.end(`CORS preflight request failed: origin '${origin}' is not allowed`);
      return true;
    }
    const headers: Record<string, string> = {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Credentials": "true",
      "Access-Control-Allow-Methods": method.toUpperCase(),
      Vary: "Origin",
    };
    const requested = req.headers["access-control-request-headers"];
    if (typeof requested === "string" && requested.trim()) {
      headers["Access-Control-Allow-Headers"] = requested.toUpperCase();
    }
    res.writeHead(200, headers);
    res.end();
    return true;
  }
}
