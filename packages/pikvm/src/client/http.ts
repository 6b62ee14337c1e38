/** One REST request, transport-neutral so browsers use fetch and Node can verify (or not) TLS itself. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
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
}

export type HttpTransport = (req: HttpRequest) => Promise<HttpResponse>;

/**
 * `fetch` transport: browsers (cookies are stored by the browser, `credentials: "include"`) and Node when
 * the certificate verifies. Redirects are not followed: kvmd credentials must not be resent elsewhere.
 */
export const fetchTransport: HttpTransport = async (req) => {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), req.timeoutMs);
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body !== undefined ? { body: req.body as BodyInit } : {}),
      credentials: "include",
      redirect: "manual",
      signal: ctrl.signal,
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const getSetCookie = (res.headers as { getSetCookie?: () => string[] }).getSetCookie;
    return {
      status: res.status,
      headers,
      setCookie: getSetCookie ? getSetCookie.call(res.headers) : [],
      body: new Uint8Array(await res.arrayBuffer()),
    };
  } finally {
    clearTimeout(timer);
  }
};
