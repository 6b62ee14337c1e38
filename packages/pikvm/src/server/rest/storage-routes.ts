import { validInt } from "../../protocol/validate.js";
import { KvmdError, validatorError } from "../kvmd-error.js";
import { validImageName } from "../virtual-msd.js";
import { boolArg, query, type RestContext, type Route } from "./context.js";

function channelArg(ctx: RestContext): string {
  const raw = query(ctx, "channel");
  if (!raw || !/^[a-zA-Z_][a-zA-Z0-9_.-]*$/.test(raw.trim()))
    throw validatorError(`The argument '${raw ?? "None"}' is not a valid GPIO channel`);
  return raw.trim();
}

/** Prometheus text format: one gauge per line with its TYPE comment, like kvmd's exporter. */
function metrics(ctx: RestContext): string {
  const out: string[] = [];
  const gauge = (name: string, value: number | boolean, labels = "") =>
    out.push(`# TYPE ${name} gauge\n${name}${labels} ${typeof value === "boolean" ? Number(value) : value}\n`);
  const atx = ctx.deps.atx.state() as { enabled: boolean; leds: { power: boolean } };
  gauge("pikvm_atx_enabled", atx.enabled);
  gauge("pikvm_atx_power", atx.leds.power);
  const gpio = ctx.deps.gpio.state() as { state: { inputs: Record<string, any>; outputs: Record<string, any> } };
  for (const kind of ["input", "output"] as const)
    for (const [ch, st] of Object.entries(gpio.state[`${kind}s`])) {
      gauge(`pikvm_gpio_${kind}_online_${ch}`, st.online);
      gauge(`pikvm_gpio_${kind}_state_${ch}`, st.state);
    }
  const health = ctx.deps.info().health as any;
  gauge("pikvm_hw_temp_cpu", health.temp.cpu);
  gauge("pikvm_hw_cpu_percent", health.cpu.percent);
  gauge("pikvm_hw_mem_percent", health.mem.percent);
  gauge("pikvm_hw_mem_total", health.mem.total);
  gauge("pikvm_hw_mem_available", health.mem.available);
  gauge("pikvm_hw_throttling_raw_flags", health.throttling.raw_flags);
  gauge("pikvm_fan_monitored", false);
  gauge("pikvm_msd_storage_size", ctx.deps.msd.storageBytes);
  gauge("pikvm_msd_storage_free", ctx.deps.msd.storageBytes - ctx.deps.msd.used);
  gauge("pikvm_streamer_clients", ctx.deps.streamer.clients);
  return out.join("\n");
}

export const storageRoutes: Route[] = [
  {
    method: "GET",
    path: "/msd",
    async handler(ctx) {
      await ctx.deps.msd.dir();
      return ctx.deps.msd.state();
    },
  },
  {
    method: "POST",
    path: "/msd/set_params",
    async handler(ctx) {
      await ctx.deps.msd.dir();
      const image = query(ctx, "image");
      ctx.deps.msd.setParams({
        ...(image !== null ? { image: image.trim() === "" ? "" : validImageName(image) } : {}),
        ...(query(ctx, "cdrom") !== null ? { cdrom: boolArg(ctx, "cdrom") } : {}),
        ...(query(ctx, "rw") !== null ? { rw: boolArg(ctx, "rw") } : {}),
      });
      return {};
    },
  },
  {
    method: "POST",
    path: "/msd/set_connected",
    handler(ctx) {
      ctx.deps.msd.setConnected(boolArg(ctx, "connected"));
      return {};
    },
  },
  {
    method: "POST",
    path: "/msd/write",
    async handler(ctx) {
      await ctx.deps.msd.dir();
      const name = validImageName(`${query(ctx, "prefix") ?? ""}/${query(ctx, "image") ?? ""}`);
      const rawSize = ctx.req.headers["content-length"];
      const size = rawSize === undefined ? undefined : validInt(rawSize, 20);
      if (size === undefined || size < 0)
        throw validatorError(`The argument '${rawSize ?? "None"}' is not a valid int`);
      const removeIncomplete = boolArg(ctx, "remove_incomplete", false);
      const written = await ctx.deps.msd.write(name, size, ctx.req, removeIncomplete);
      ctx.deps.log.info("kvmd.plugins.msd", `Written ${written} bytes to image ${JSON.stringify(name)}`);
      return { image: { name, size, written } };
    },
  },
  {
    method: "POST",
    path: "/msd/write_remote",
    handler(ctx) {
      const url = query(ctx, "url");
      if (!url || !/^https?:\/\/\S+$/.test(url.trim()))
        throw validatorError(`The argument '${url ?? "None"}' is not a valid URL`);
      // The emulator is offline by design: it never fetches from the network (kvmd answers a failed download so).
      throw new KvmdError(400, "ClientConnectorError", `The emulator does not download images: ${url.trim()}`);
    },
  },
  {
    method: "POST",
    path: "/msd/remove",
    async handler(ctx) {
      await ctx.deps.msd.dir();
      await ctx.deps.msd.remove(validImageName(query(ctx, "image")));
      return {};
    },
  },
  {
    method: "POST",
    path: "/msd/reset",
    handler(ctx) {
      ctx.deps.msd.reset();
      return {};
    },
  },
  { method: "GET", path: "/gpio", handler: (ctx) => ctx.deps.gpio.state() },
  {
    method: "POST",
    path: "/gpio/switch",
    async handler(ctx) {
      const ch = channelArg(ctx);
      await ctx.deps.gpio.switch(ch, boolArg(ctx, "state"), boolArg(ctx, "wait", false));
      return {};
    },
  },
  {
    method: "POST",
    path: "/gpio/pulse",
    async handler(ctx) {
      const ch = channelArg(ctx);
      const raw = query(ctx, "delay");
      const delay = raw === null ? 0 : Number(raw);
      if (!Number.isFinite(delay) || delay < 0) throw validatorError(`The argument '${raw}' is not a valid float`);
      await ctx.deps.gpio.pulse(ch, delay, boolArg(ctx, "wait", false));
      return {};
    },
  },
  {
    method: "GET",
    path: "/export/prometheus/metrics",
    handler(ctx) {
      const text = metrics(ctx);
      ctx.res.writeHead(200, {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": Buffer.byteLength(text),
      });
      ctx.res.end(text);
      return undefined;
    },
  },
];
