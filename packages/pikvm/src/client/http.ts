/** One REST request, transport-neutral so browsers use fetch and Node can verify (or not) TLS itself. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** A body; an async iterable is streamed (uploads). */
  body?: string | Uint8Array | AsyncIterable<Uint8Array>;
  /** Answer as soon as the headers arrive, with the body as `stream` (log follow, MJPEG). */
  stream?: boolean;
  /** Aborts the request (and a streamed body). */
  signal?: AbortSignal;
  /** Node only: `false` accepts the device's self-signed certificate. */
  verifySsl: boolean;
  /** Node only: extra trusted CA (PEM). */
  ca?: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Set-Cookie values where the runtime exposes them (Node; never in browsers). */
  setCookie: string[];
  body: Uint8Array;
  /** The body as it arrives, for `stream` requests (then `body` is empty). */
  stream?: AsyncIterable<Uint8Array>;
}

function isIterable(b: unknown): b is AsyncIterable<Uint8Array> {
  return typeof b === "object" && b !== null && Symbol.asyncIterator in b;
}

export type HttpTransport = (req: HttpRequest) => Promise<HttpResponse>;

/**
 * `fetch` transport: browsers (cookies are stored by the browser, `credentials: "include"`) and Node when
 * the certificate verifies. Redirects are not followed: kvmd credentials must not be resent elsewhere.
 */
export const fetchTransport: HttpTransport = async (req) => {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), req.timeoutMs);
  const onAbort = () => ctrl.abort();
  req.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let body: BodyInit | undefined;
    if (isIterable(req.body)) {
      const it = req.body[Symbol.asyncIterator]();
      body = new ReadableStream<Uint8Array>({
        async pull(c) {
          const { value, done } = await it.next();
          if (done) c.close();
          else c.enqueue(value);
        },
      });
    } else if (req.body !== undefined) body = req.body as BodyInit;
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(body !== undefined ? { body } : {}),
      // A streamed upload (Node, and browsers over HTTP/2) needs half duplex.
      ...(isIterable(req.body) ? { duplex: "half" } : {}),
      credentials: "include",
      redirect: "manual",
      signal: ctrl.signal,
    } as RequestInit);
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const getSetCookie = (res.headers as { getSetCookie?: () => string[] }).getSetCookie;
    const setCookie = getSetCookie ? getSetCookie.call(res.headers) : [];
    if (req.stream && res.body) {
      clearTimeout(timer);
      const reader = res.body.getReader();
      const stream = (async function* () {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          req.signal?.removeEventListener("abort", onAbort);
          ctrl.abort();
        }
      })();
      return { status: res.status, headers, setCookie, body: new Uint8Array(0), stream };
    }
    return { status: res.status, headers, setCookie, body: new Uint8Array(await res.arrayBuffer()) };
  } finally {
    clearTimeout(timer);
    if (!req.stream) req.signal?.removeEventListener("abort", onAbort);
  }
};
