import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { forbidden, unauthorized, validatorError } from "./kvmd-error.js";

const USER_RE = /^[a-z_]([a-z0-9@._-]*[a-z0-9_-])?$/;
const PASSWD_RE = /^[\x20-\x7e]*$/;
const TOKEN_RE = /^[0-9a-f]{64}$/;

export interface AuthOptions {
  /** user -> password. */
  users: Record<string, string>;
  /** kvmd `auth.enabled: false` lets everything through. Default true. */
  enabled?: boolean;
  /** Most live tokens kept (oldest evicted first). Default 1000. */
  maxTokens?: number;
}

interface Token {
  user: string;
  /** ms since epoch, 0 = never. */
  expiresAt: number;
}

/** The result of a successful check: who, and by which credential. */
export interface AuthResult {
  user: string;
  via: "headers" | "cookie" | "basic" | "disabled";
}

/**
 * kvmd's request authentication (kvmd `api/auth.py` `check_request_auth`): X-KVMD headers, then the
 * `auth_token` cookie, then Basic; the first credential present decides. Throws KvmdError 400/401/403.
 */
export class KvmdAuth {
  readonly #users: Map<string, string>;
  readonly #tokens = new Map<string, Token>();
  readonly #max: number;
  enabled: boolean;

  constructor(options: AuthOptions) {
    this.#users = new Map(Object.entries(options.users));
    this.enabled = options.enabled ?? true;
    this.#max = options.maxTokens ?? 1000;
  }

  check(req: IncomingMessage): AuthResult {
    if (!this.enabled) return { user: "", via: "disabled" };
    const rawUser = header(req, "x-kvmd-user");
    if (rawUser) {
      const passwd = header(req, "x-kvmd-passwd") ?? "";
      // kvmd's valid_user strips the value and authorizes the stripped name.
      const user = this.#validUser(rawUser);
      if (passwd.length > 512 || !PASSWD_RE.test(passwd))
        throw validatorError("The argument '<hidden>' is not a valid passwd");
      if (!this.authorize(user, passwd)) throw forbidden();
      return { user, via: "headers" };
    }
    const token = cookie(req, "auth_token");
    if (token !== undefined) {
      if (!TOKEN_RE.test(token)) throw validatorError(`The argument '${token.slice(0, 64)}' is not a valid auth token`);
      const owner = this.userOfToken(token);
      if (owner === undefined) throw forbidden();
      return { user: owner, via: "cookie" };
    }
    const authz = header(req, "authorization");
    if (authz?.startsWith("Basic ")) {
      const decoded = Buffer.from(authz.slice(6).trim(), "base64").toString("utf8");
      const parts = decoded.split(":");
      if (parts.length !== 2 || !parts[0]) throw unauthorized();
      const [u, p] = parts as [string, string];
      if (!this.authorize(u, p)) throw forbidden();
      return { user: u, via: "basic" };
    }
    throw unauthorized();
  }

  authorize(user: string, passwd: string): boolean {
    const want = this.#users.get(user);
    if (want === undefined) return false;
    const a = Buffer.from(want);
    const b = Buffer.from(passwd);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** `POST /api/auth/login`: a new 64-hex token, or undefined for bad credentials. */
  login(user: string, passwd: string, expireSeconds = 0): string | undefined {
    user = this.#validUser(user);
    if (!this.authorize(user, passwd)) return undefined;
    const token = randomBytes(32).toString("hex");
    this.#tokens.set(token, { user, expiresAt: expireSeconds > 0 ? Date.now() + expireSeconds * 1000 : 0 });
    while (this.#tokens.size > this.#max) this.#tokens.delete(this.#tokens.keys().next().value as string);
    return token;
  }

  logout(token: string | undefined): void {
    if (token) this.#tokens.delete(token);
  }

  userOfToken(token: string): string | undefined {
    const t = this.#tokens.get(token);
    if (!t) return undefined;
    if (t.expiresAt && t.expiresAt < Date.now()) {
      this.#tokens.delete(token);
      return undefined;
    }
    return t.user;
  }

  #validUser(user: string): string {
    const stripped = user.trim();
    if (user.length > 128 || !USER_RE.test(stripped))
      throw validatorError(`The argument '${user.slice(0, 128)}' is not a valid user`);
    return stripped;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) || undefined;
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  const raw = req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    // Taken as sent (like Python's SimpleCookie: quotes stripped, no percent-decoding); tokens are plain hex.
    if (part.slice(0, i).trim() === name)
      return part
        .slice(i + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}
