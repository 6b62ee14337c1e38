import { INFO_FIELDS, type InfoField } from "../../protocol/events.js";
import { KvmdError, validatorError } from "../kvmd-error.js";
import type { AtxButton, AtxPowerAction } from "../virtual-atx.js";
import { legacyInfo } from "../subsystem-states.js";
import { boolArg, oneOf, query, type RestContext, type Route } from "./context.js";

/**
 * Starts an ATX operation, refused with 409 while another one runs (checked before it starts, since without
 * `wait` its failure would go unseen); with `wait`, answers once it is over.
 */
async function atxOp(ctx: RestContext, start: () => Promise<void>): Promise<unknown> {
  if (ctx.deps.atx.busy)
    throw new KvmdError(409, "AtxIsBusyError", "Performing another ATX operation, please try again later");
  const op = start();
  if (boolArg(ctx, "wait", false)) await op;
  else op.catch(() => {});
  return {};
}

export const deviceRoutes: Route[] = [
  {
    method: "GET",
    path: "/info",
    handler(ctx) {
      // kvmd: `legacy` defaults to true and adds the old `hw` block (health + platform), leaving out `health`
      // unless asked for; unknown fields are a 400 ValidatorError.
      const legacy = boolArg(ctx, "legacy", true);
      const available: string[] = [...INFO_FIELDS, ...(legacy ? ["hw"] : [])];
      const raw = query(ctx, "fields");
      const asked =
        raw === null
          ? available.filter((f) => !(legacy && f === "health"))
          : raw
              .trim()
              .split(/[,\t ]+/)
              .filter(Boolean)
              .map((f) => oneOf(f, "info field", available));
      const fields = [...new Set(asked.length ? asked : available)].sort();
      const all = ctx.deps.info();
      if (legacy) return legacyInfo(all, fields);
      return Object.fromEntries(fields.map((f) => [f, all[f as InfoField]]));
    },
  },
  { method: "GET", path: "/atx", handler: (ctx) => ctx.deps.atx.state() },
  {
    method: "POST",
    path: "/atx/click",
    handler(ctx) {
      const b = query(ctx, "button");
      if (b !== "power" && b !== "power_long" && b !== "reset")
        throw validatorError(`The argument '${b}' is not a valid atx button`);
      return atxOp(ctx, () => ctx.deps.atx.click(b as AtxButton));
    },
  },
  {
    method: "POST",
    path: "/atx/power",
    handler(ctx) {
      const a = query(ctx, "action");
      if (a !== "on" && a !== "off" && a !== "off_hard" && a !== "reset_hard") {
        throw validatorError(`The argument '${a}' is not a valid atx power action`);
      }
      return atxOp(ctx, () => ctx.deps.atx.setPower(a as AtxPowerAction));
    },
  },
  { method: "GET", path: "/switch", handler: (ctx) => ctx.deps.states.switch() },
];
