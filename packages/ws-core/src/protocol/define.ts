import type { z } from "zod";
import { ProtocolError, type ProtocolIssue } from "../errors.js";
import { type Codec, jsonCodec, type WireData } from "./codec.js";

/**
 * A protocol: one zod schema per direction (usually a discriminated union on a `type` field)
 * and the codec both sides use.
 */
export interface ProtocolDefinition<TClient extends z.ZodType, TServer extends z.ZodType> {
  readonly name: string;
  readonly version?: string;
  readonly clientMessages: TClient;
  readonly serverMessages: TServer;
  readonly codec: Codec<unknown>;
}

export type ClientMessage<P> = P extends ProtocolDefinition<infer C, any> ? z.infer<C> : never;
export type ServerMessage<P> = P extends ProtocolDefinition<any, infer S> ? z.infer<S> : never;

export function defineProtocol<TClient extends z.ZodType, TServer extends z.ZodType>(def: {
  name: string;
  version?: string;
  clientMessages: TClient;
  serverMessages: TServer;
  codec?: Codec<unknown>;
}): ProtocolDefinition<TClient, TServer> {
  return { codec: jsonCodec, ...def };
}

export function toIssues(error: z.ZodError): ProtocolIssue[] {
  return error.issues.map((i) => ({ path: i.path, message: i.message, code: i.code }));
}

/** Validates an already-decoded value; throws `ProtocolError` with the zod issues. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what = "message"): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = toIssues(r.error);
  const first = issues[0];
  const where = first?.path.length ? ` at ${first.path.map(String).join(".")}` : "";
  throw new ProtocolError(`invalid ${what}${where}: ${first?.message ?? "schema mismatch"}`, issues);
}

/** Decodes one frame with the codec and validates it against the schema. */
export function parseMessage<S extends z.ZodType>(schema: S, codec: Codec<unknown>, data: WireData): z.infer<S> {
  return validate(schema, codec.decode(data));
}
