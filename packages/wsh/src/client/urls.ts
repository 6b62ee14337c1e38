/** `http://h:p/base` + `/ws/json` -> `ws://h:p/base/ws/json?token=...` (browsers cannot set headers on upgrades). */
export function wsUrl(base: string, path: string, token?: string): string {
  const u = new URL(base.replace(/\/$/, "") + path);
  if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol === "https:") u.protocol = "wss:";
  if (token) u.searchParams.set("token", token);
  return u.toString();
}

export function httpUrl(base: string, path: string, query: Record<string, string | number | undefined> = {}): string {
  const u = new URL(base.replace(/\/$/, "") + path);
  if (u.protocol === "ws:") u.protocol = "http:";
  else if (u.protocol === "wss:") u.protocol = "https:";
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}
