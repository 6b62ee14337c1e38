import { cookie } from "../auth.js";
import { forbidden, sendKvmd } from "../kvmd-error.js";
import { formFields, type Route } from "./context.js";

export const authRoutes: Route[] = [
  {
    method: "POST",
    path: "/auth/login",
    public: true,
    async handler(ctx) {
      const form = await formFields(ctx);
      const expire = Number.parseInt(form.get("expire") ?? "0", 10) || 0;
      const token = ctx.deps.auth.login(form.get("user") ?? "", form.get("passwd") ?? "", expire);
      if (!token) {
        ctx.deps.log.info("kvmd.apps.kvmd.auth", `Access denied for user ${JSON.stringify(form.get("user") ?? "")}`);
        throw forbidden();
      }
      ctx.deps.log.info("kvmd.apps.kvmd.auth", `Logged in user ${JSON.stringify(form.get("user") ?? "")}`);
      sendKvmd(ctx.res, 200, {}, { "Set-Cookie": `auth_token=${token}; HttpOnly; Path=/; SameSite=Strict` });
      return undefined;
    },
  },
  {
    method: "POST",
    path: "/auth/logout",
    handler(ctx) {
      ctx.deps.auth.logout(cookie(ctx.req, "auth_token"));
      sendKvmd(ctx.res, 200, {}, { "Set-Cookie": "auth_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict" });
      return undefined;
    },
  },
  { method: "GET", path: "/auth/check", handler: () => ({}) },
];
