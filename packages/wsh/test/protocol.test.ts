import { describe, expect, test } from "vitest";
import {
  apiErrorBody,
  eventFilterName,
  isCtrlBackslash,
  isInputModeEvent,
  isScreenModeEvent,
  lineText,
  parseKey,
  parseSubscribe,
} from "../src/index.js";
import { checkAuth, extractToken, generateToken, isLoopback, resolveAuthToken } from "../src/server/auth.js";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("key parsing (upstream keys.rs)", () => {
  test("printable, control, escape, arrows, Ctrl+\\", () => {
    expect(parseKey(bytes(0x61))).toEqual({ key: "a", modifiers: [] });
    expect(parseKey(bytes(0x03))).toEqual({ key: "c", modifiers: ["ctrl"] });
    expect(parseKey(bytes(0x1b))).toEqual({ key: "Escape", modifiers: [] });
    expect(parseKey(bytes(0x1b, 0x5b, 0x41))).toEqual({ key: "ArrowUp", modifiers: [] });
    expect(parseKey(bytes(0x1b, 0x5b, 0x46))).toEqual({ key: "End", modifiers: [] });
    expect(parseKey(bytes(0x1c))).toEqual({ key: "\\", modifiers: ["ctrl"] });
    expect(parseKey(bytes(0x09))).toEqual({ key: "Tab", modifiers: [] });
    expect(parseKey(bytes(0x0d))).toEqual({ key: "Enter", modifiers: [] });
    expect(parseKey(bytes(0x7f))).toEqual({ key: "Backspace", modifiers: [] });
    expect(parseKey(bytes(0x08))).toEqual({ key: "h", modifiers: ["ctrl"] });
  });
  test("unknown bytes, modified arrows and pastes parse to null", () => {
    expect(parseKey(bytes(0x80, 0x81))).toBeNull();
    expect(parseKey(bytes(0x00))).toBeNull();
    expect(parseKey(bytes(0x1b, 0x5b, 0x31, 0x3b, 0x35, 0x41))).toBeNull();
    expect(parseKey(new TextEncoder().encode("paste"))).toBeNull();
  });
  test("only a lone 0x1c is the escape hatch", () => {
    expect(isCtrlBackslash(bytes(0x1c))).toBe(true);
    expect(isCtrlBackslash(bytes(0x1c, 0x1c))).toBe(false);
    expect(isCtrlBackslash(bytes(0x61))).toBe(false);
  });
});

describe("subscribe messages", () => {
  test("defaults: interval 100 ms, styled; duplicates and order kept", () => {
    expect(parseSubscribe('{"events":["lines","cursor","lines"]}')).toEqual({
      ok: true,
      subscription: { events: ["lines", "cursor", "lines"], intervalMs: 100, format: "styled" },
    });
    expect(parseSubscribe('{"events":[],"interval_ms":0,"format":"plain","extra":1}')).toEqual({
      ok: true,
      subscription: { events: [], intervalMs: 0, format: "plain" },
    });
  });
  test.each([
    ['{"events":["foo"]}', "events.0"],
    ["{}", "missing field"],
    ["not json", "JSON"],
    ['{"events":"bad"}', "events"],
    ['{"events":["lines"],"interval_ms":-1}', "interval_ms"],
    ['{"events":["lines"],"format":"html"}', "format"],
  ])("%s is refused with the upstream prefix", (text, mention) => {
    const r = parseSubscribe(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message.startsWith("invalid subscribe message: ")).toBe(true);
    expect(r.message).toContain(mention);
  });
});

describe("events", () => {
  test("screen mode and input mode are told apart by their fields", () => {
    const screen = { event: "mode", seq: 3, alternate_active: true } as const;
    const inputMode = { event: "mode", mode: "capture" } as const;
    expect(isScreenModeEvent(screen)).toBe(true);
    expect(isInputModeEvent(screen)).toBe(false);
    expect(isInputModeEvent(inputMode)).toBe(true);
    expect(eventFilterName(screen)).toBe("mode");
    expect(eventFilterName(inputMode)).toBe("input");
    expect(eventFilterName({ event: "reset", seq: 1, reason: "resize" })).toBeUndefined();
  });
  test("lineText reads plain and styled lines", () => {
    expect(lineText("$ ls")).toBe("$ ls");
    expect(lineText([{ text: "$ ", bold: true }, { text: "ls" }])).toBe("$ ls");
    expect(lineText(undefined)).toBe("");
  });
  test("REST error envelope and messages", () => {
    expect(apiErrorBody("auth_invalid")).toEqual({
      error: { code: "auth_invalid", message: "Invalid authentication token." },
    });
    expect(apiErrorBody("invalid_request", "missing field 'x'")).toEqual({
      error: { code: "invalid_request", message: "Invalid request: missing field 'x'." },
    });
  });
});

describe("auth (upstream auth.rs)", () => {
  const req = (headers: Record<string, string>, url = "/screen") => ({ headers, url });
  test("token extraction: bearer, query, neither, bearer wins", () => {
    expect(extractToken(req({ authorization: "Bearer abc" }))).toBe("abc");
    expect(extractToken(req({}, "/screen?x=1&token=q%20t"))).toBe("q t");
    expect(extractToken(req({}))).toBeUndefined();
    expect(extractToken(req({ authorization: "bearer abc" }))).toBeUndefined();
    expect(extractToken(req({ authorization: "Bearer head" }, "/?token=query"))).toBe("head");
  });
  test("missing -> auth_required, wrong -> auth_invalid, right or no token configured -> pass", () => {
    expect(checkAuth(req({}), "secret")).toBe("auth_required");
    expect(checkAuth(req({ authorization: "Bearer nope" }), "secret")).toBe("auth_invalid");
    expect(checkAuth(req({ authorization: "Bearer secret" }), "secret")).toBeUndefined();
    expect(checkAuth(req({}, "/?token=secret"), "secret")).toBeUndefined();
    expect(checkAuth(req({}), undefined)).toBeUndefined();
  });
  test("loopback binds need no token, others take --token, then WSH_TOKEN, else a generated one", () => {
    expect(isLoopback("127.0.0.1")).toBe(true);
    expect(isLoopback("::1")).toBe(true);
    expect(isLoopback("0.0.0.0")).toBe(false);
    expect(resolveAuthToken({ host: "127.0.0.1", token: "t" })).toEqual({ token: undefined, generated: false });
    expect(resolveAuthToken({ host: "0.0.0.0", token: "t", envToken: "e" })).toEqual({ token: "t", generated: false });
    expect(resolveAuthToken({ host: "10.0.0.1", envToken: "e" })).toEqual({ token: "e", generated: false });
    const g = resolveAuthToken({ host: "0.0.0.0" });
    expect(g.generated).toBe(true);
    expect(g.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generateToken()).not.toBe(generateToken());
  });
});
