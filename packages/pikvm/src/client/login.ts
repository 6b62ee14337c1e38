import { APIError, AuthError } from "./errors.js";
import type { HttpTransport } from "./http.js";

export interface LoginOptions {
  base: string;
  user: string;
  passwd: string;
  http: HttpTransport;
  verifySsl: boolean;
  ca?: string;
  timeoutMs: number;
}

/**
 * `POST /api/auth/login` (form `user`, `passwd`). In Node the token is read from Set-Cookie and returned;
 * in a browser the cookie is stored by the browser itself (HttpOnly) and `undefined` is returned.
 */
export async function loginForToken(o: LoginOptions): Promise<string | undefined> {
  const res = await o.http({
    method: "POST",
    url: `${o.base}/api/auth/login`,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ user: o.user, passwd: o.passwd }).toString(),
    verifySsl: o.verifySsl,
    ...(o.ca ? { ca: o.ca } : {}),
    timeoutMs: o.timeoutMs,
  });
  if (res.status === 401 || res.status === 403)
    throw new AuthError(res.status, `login refused: HTTP ${res.status}`, "ForbiddenError");
  if (res.status >= 400) throw new APIError(res.status, `login failed: HTTP ${res.status}`);
  for (const c of res.setCookie) {
    const m = /(?:^|;\s*)auth_token=([0-9a-f]{64})/.exec(c);
    if (m) return m[1];
  }
  return undefined;
}
