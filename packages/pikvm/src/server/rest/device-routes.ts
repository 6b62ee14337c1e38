import { INFO_FIELDS, type InfoField } from "../../protocol/events.js";
import { validBool } from "../../protocol/validate.js";
import { KvmdError, validatorError } from "../kvmd-error.js";
import type { AtxButton, AtxPowerAction } from "../virtual-atx.js";
import { boolArg, query, type RestContext, type Route } from "./context.js";

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
      const all = ctx.deps.info();
      const asked = (query(ctx, "fields") ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const fields = asked.length
        ? asked.filter((f): f is InfoField => (INFO_FIELDS as readonly string[]).includes(f))
        : INFO_FIELDS;
      return Object.fromEntries(fields.map((f) => [f, all[f]]));
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
  { method: "GET", path: "/streamer", handler: (ctx) => ctx.deps.states.streamer() },
  { method: "GET", path: "/streamer/ocr", handler: (ctx) => ({ ocr: ctx.deps.states.ocr() }) },
  {
    method: "GET",
    path: "/streamer/snapshot",
    handler(ctx) {
      // kvmd's `ocr=1` answers the screen's text instead of the image; here the text is exact.
      if (validBool(query(ctx, "ocr") ?? "0")) {
        const text = `${ctx.deps.console.text}\n`;
        ctx.res.writeHead(200, {
          "Content-Type": "text/plain; charset=utf-8",
          "Content-Length": Buffer.byteLength(text),
        });
        ctx.res.end(text);
        return undefined;
      }
      const png = ctx.deps.snapshotPng();
      ctx.res.writeHead(200, {
        "Content-Type": "image/png",
        "Content-Length": png.length,
        "Cache-Control": "no-store",
      });
      ctx.res.end(png);
      return undefined;
    },
  },
  { method: "GET", path: "/gpio", handler: (ctx) => ctx.deps.states.gpio() },
  { method: "GET", path: "/msd", handler: (ctx) => ctx.deps.states.msd() },
  { method: "GET", path: "/switch", handler: (ctx) => ctx.deps.states.switch() },
];
