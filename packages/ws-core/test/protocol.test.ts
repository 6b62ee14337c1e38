import { describe, expect, test } from "vitest";
import { z } from "zod";
import {
  CloseCode,
  FATAL_CLOSE_CODES,
  isWsCoreError,
  jsonCodec,
  limitCloseReason,
  ProtocolError,
  parseMessage,
  rawCodec,
  toWireData,
} from "../src/index.js";
import { echoProtocol } from "./helpers.js";

describe("protocol definition", () => {
  test("parseMessage decodes and validates against the discriminated union", () => {
    const m = parseMessage(echoProtocol.clientMessages, jsonCodec, '{"type":"say","id":"1","text":"hi"}');
    expect(m).toEqual({ type: "say", id: "1", text: "hi" });
  });

  test("invalid JSON is a ProtocolError", () => {
    expect(() => parseMessage(echoProtocol.clientMessages, jsonCodec, "{nope")).toThrow(ProtocolError);
  });

  test("schema violations carry zod's issues with paths", () => {
    try {
      parseMessage(echoProtocol.clientMessages, jsonCodec, '{"type":"say","id":1,"text":"x"}');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      const err = e as ProtocolError;
      expect(err.code).toBe("PROTOCOL_ERROR");
      expect(err.issues[0]?.path).toEqual(["id"]);
      expect(err.message).toMatch(/at id/);
      expect(isWsCoreError(err, "PROTOCOL_ERROR")).toBe(true);
    }
  });

  test("unknown discriminator values are refused", () => {
    expect(() => parseMessage(echoProtocol.clientMessages, jsonCodec, '{"type":"shout"}')).toThrow(ProtocolError);
  });

  test("isWsCoreError recognises errors from another copy of the package by shape", () => {
    const foreign = Object.assign(new Error("x"), { code: "TIMEOUT" });
    expect(isWsCoreError(foreign, "TIMEOUT")).toBe(true);
    expect(isWsCoreError(new Error("plain"))).toBe(false);
  });

  test("binary frames holding UTF-8 JSON decode; invalid UTF-8 does not", () => {
    expect(jsonCodec.decode(new TextEncoder().encode('{"a":1}'))).toEqual({ a: 1 });
    expect(() => jsonCodec.decode(new Uint8Array([0xff, 0xfe]))).toThrow(ProtocolError);
  });

  test("raw codec passes bytes through and normalises socket data", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(rawCodec.decode(rawCodec.encode(bytes))).toEqual(bytes);
    expect(toWireData(bytes.buffer)).toEqual(bytes);
    expect(toWireData([new Uint8Array([1]), new Uint8Array([2, 3])])).toEqual(bytes);
  });

  test("close codes: standard, application range, fatal set, reason limit", () => {
    expect([CloseCode.Normal, CloseCode.GoingAway, CloseCode.UnsupportedData]).toEqual([1000, 1001, 1003]);
    expect([
      CloseCode.InvalidPayload,
      CloseCode.PolicyViolation,
      CloseCode.MessageTooBig,
      CloseCode.InternalError,
    ]).toEqual([1007, 1008, 1009, 1011]);
    expect(FATAL_CLOSE_CODES.has(CloseCode.Unauthorized)).toBe(true);
    expect(FATAL_CLOSE_CODES.has(CloseCode.GoingAway)).toBe(false);
    const long = limitCloseReason("é".repeat(200));
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(123);
  });

  test("zod schemas can be reused as plain validators", () => {
    const s = z.object({ n: z.number().int() });
    expect(() => parseMessage(s, jsonCodec, '{"n":1.5}')).toThrow(/invalid message/);
  });
});
