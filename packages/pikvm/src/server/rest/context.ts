import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "@proj/ws-core/server";
import type { InfoField } from "../../protocol/events.js";
import { validBool, validInt } from "../../protocol/validate.js";
import type { AuthResult, KvmdAuth } from "../auth.js";
import { invalidBool, validatorError } from "../kvmd-error.js";
import type { VirtualAtx } from "../virtual-atx.js";
import type { VirtualConsole } from "../virtual-console.js";
import type { VirtualHid } from "../virtual-hid.js";
import type { VirtualGpio } from "../virtual-gpio.js";
import type { VirtualMsd } from "../virtual-msd.js";
import type { VirtualStreamer } from "../virtual-streamer.js";
import type { EmulatorLog } from "../emulator-log.js";

/** What the REST handlers need from the emulator. */
export interface RestDeps {
  auth: KvmdAuth;
  hid: VirtualHid;
  atx: VirtualAtx;
  console: VirtualConsole;
  info(): Record<InfoField, unknown>;
  states: {
    streamer(): unknown;
    ocr(): unknown;
    switch(): unknown;
    keymaps(): unknown;
  };
  snapshotPng(): Buffer;
  streamer: VirtualStreamer;
  msd: VirtualMsd;
  gpio: VirtualGpio;
  log: EmulatorLog;
  /** Types text on the target through the HID (kvmd `/api/hid/print`). */
  typeText(text: string): number;
  maxBodyBytes: number;
}

export interface RestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  deps: RestDeps;
}

/** A handler returns the `result` for a 200 envelope, or writes the response itself and returns undefined. */
export type RestHandler = (ctx: RestContext) => unknown | Promise<unknown>;

export interface Route {
  method: "GET" | "POST" | "DELETE";
  /** Path under `/api`, e.g. "/hid/events/send_key". */
  path: string;
  /** Login is the only call allowed without credentials. */
  public?: boolean;
  handler: RestHandler;
}

export function query(ctx: RestContext, name: string): string | null {
  return ctx.url.searchParams.get(name);
}

/** A required/optional bool query argument with kvmd's spelling rules; bad values are a 400 ValidatorError. */
export function boolArg(ctx: RestContext, name: string, fallback?: boolean): boolean {
  const raw = query(ctx, name);
  if (raw === null) {
    if (fallback === undefined) throw validatorError(`The argument 'None' is not a valid bool`);
    return fallback;
  }
  const v = validBool(raw);
  if (v === undefined) throw invalidBool(raw);
  return v;
}

export function intArg(ctx: RestContext, name: string, fallback?: number): number {
  const raw = query(ctx, name);
  if (raw === null) {
    if (fallback === undefined) throw validatorError(`The argument 'None' is not a valid number`);
    return fallback;
  }
  const v = validInt(raw);
  if (v === undefined) throw validatorError(`The argument '${raw}' is not a valid number`);
  return v;
}

/**
 * kvmd's `check_string_in_list`: the stripped, lowercased value must be one of `variants`, else a 400
 * ValidatorError naming `label` (e.g. "Mouse output").
 */
export function oneOf<T extends string>(raw: string | null, label: string, variants: readonly T[], lower = true): T {
  const v = raw === null ? "" : lower ? raw.trim().toLowerCase() : raw.trim();
  if (raw === null || !(variants as readonly string[]).includes(v))
    throw validatorError(`The argument ${raw === null ? "'None'" : pyRepr(raw)} is not a valid ${label}`);
  return v as T;
}

/** Python's repr() of a str, as kvmd's validator messages quote it. */
export function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

export async function bodyText(ctx: RestContext): Promise<string> {
  return (await readBody(ctx.req, ctx.deps.maxBodyBytes)).toString("utf8");
}

/** Form fields from an urlencoded body, falling back to the query string (aiohttp's `post()` + query). */
export async function formFields(ctx: RestContext): Promise<URLSearchParams> {
  const text = await bodyText(ctx);
  const form = new URLSearchParams(text);
  for (const [k, v] of ctx.url.searchParams) if (!form.has(k)) form.set(k, v);
  return form;
}

export type { AuthResult };
