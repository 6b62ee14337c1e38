// Issue 18: one PTY size for everyone, set by the owner (or only the local terminal), told to every client.
import { connectTestClient, disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { bytesText, startShell, subscribeJson, wsBase } from "./helpers.js";

afterEach(disposeLeftovers);

const resize = (url: string, cols: number, rows: number, headers: Record<string, string> = {}) =>
  fetch(`${url}/resize`, { method: "POST", headers, body: JSON.stringify({ cols, rows }) });

describe("size policy", () => {
  test("default 'owner': the owner resizes, a viewer is refused and the size stays", async () => {
    const s = await startShell({ token: "own", viewerToken: "view" });
    expect((await resize(s.url, 28, 10, { authorization: "Bearer view" })).status).toBe(403);
    expect(s.session.emulator.cols).toBe(80);
    expect((await resize(s.url, 100, 30, { authorization: "Bearer own" })).status).toBe(204);
    expect([s.session.emulator.cols, s.session.emulator.rows]).toEqual([100, 30]);
  });

  test("'attached': POST /resize is refused for everyone (403 resize_not_allowed), the local side still resizes", async () => {
    const s = await startShell({ resizePolicy: "attached" });
    const r = await resize(s.url, 28, 10);
    expect(r.status).toBe(403);
    expect((await r.json()).error.code).toBe("resize_not_allowed");
    expect(s.session.emulator.cols).toBe(80);
    s.session.resize(90, 20); // what the CLI's attached terminal does
    expect([s.session.emulator.cols, s.session.emulator.rows]).toEqual([90, 20]);
  });

  test("every /ws/raw client is told the size: in its repaint, and in the stream on each resize", async () => {
    const s = await startShell({ cols: 80, rows: 24 });
    const raw = await connectTestClient(`${wsBase(s)}/ws/raw`);
    await waitFor(() => bytesText(raw.received).includes("\x1b[8;24;80t"), { timeoutMs: 15_000, message: "repaint" });
    expect(bytesText(raw.received).startsWith("\x1bc\x1b[8;24;80t")).toBe(true);
    const { client: json } = await subscribeJson(s, { events: [] });
    expect((await resize(s.url, 100, 30)).status).toBe(204);
    await waitFor(() => bytesText(raw.received).includes("\x1b[8;30;100t"), { timeoutMs: 15_000, message: "size" });
    // /ws/json: reset (resize) then a sync with the new size
    const reset = await json.nextJson();
    expect(reset).toMatchObject({ event: "reset", reason: "resize" });
    const sync = await json.nextJson();
    expect(sync.screen).toMatchObject({ cols: 100, rows: 30 });
    await raw.close();
    await json.close();
  });
});
