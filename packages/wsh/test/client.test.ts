import { NodeWebSocket } from "@proj/ws-core/node";
import { bundleForBrowser, disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import {
  ScreenModel,
  type WshEvent,
  WshApiError,
  WshJsonClient,
  type WshJsonClientOptions,
  WshRawClient,
  WshRest,
  WshSubscribeError,
} from "../src/client/index.js";
import { bytesText, startShell, waitForScreen } from "./helpers.js";

afterEach(disposeLeftovers);

const fast = { backoff: { minDelayMs: 10, maxDelayMs: 50, jitter: 0 } };

function json(o: WshJsonClientOptions): WshJsonClient {
  const c = new WshJsonClient({ WebSocket: NodeWebSocket, socket: fast, ...o });
  trackLeftover(() => c.close());
  return c;
}

describe("WshJsonClient", () => {
  test("keeps a local screen model in sync (plain and styled), typed events, async iterator", async () => {
    const s = await startShell();
    const plain = json({ url: s.url, format: "plain", events: ["lines", "cursor", "mode"] });
    const styled = json({ url: s.url, events: ["diffs"], intervalMs: 0 });
    await Promise.all([plain.nextSync(), styled.nextSync()]);
    expect(plain.model.stale).toBe(false);
    const iter = plain.events();
    const rest = new WshRest({ url: s.url });
    await rest.input("printf '\\033[32mGREEN\\033[0m\\n'\r");
    await waitFor(() => plain.model.text().includes("GREEN") && styled.model.text().includes("GREEN"));
    const styledLine = styled.model.lines.find((l) => Array.isArray(l) && l.some((x) => x.text === "GREEN"));
    expect(styledLine).toEqual([{ text: "GREEN", fg: { indexed: 2 } }]);
    expect(typeof plain.model.lines.find((l) => l === "GREEN")).toBe("string");
    await waitFor(async () => {
      const screen = await rest.screen("plain");
      return JSON.stringify(screen.lines) === JSON.stringify(plain.model.lines) ? screen : undefined;
    });
    expect(plain.model.cursor).toEqual((await rest.screen()).cursor);
    const first = await iter.next();
    expect(first.done).toBe(false);
    expect(["line", "cursor"]).toContain((first.value as WshEvent).event);
    await iter.return?.();
  });

  test("re-subscribes and rebuilds from a fresh sync after a reconnect", async () => {
    const s = await startShell();
    const c = json({ url: s.url, format: "plain" });
    await c.nextSync();
    let acks = 0;
    let syncs = 0;
    c.on("subscribed", () => acks++);
    c.on("sync", () => syncs++);
    for (const conn of s.json.endpoint.connections) conn.terminate();
    // Output while the client is away is not lost: the model catches up from the next sync.
    await new WshRest({ url: s.url }).input("echo WHILE''AWAY\r");
    await waitForScreen(s, "WHILEAWAY\n$");
    await waitFor(() => syncs >= 1 && c.model.text().includes("WHILEAWAY"));
    expect(acks).toBe(1);
    expect(c.model.stale).toBe(false);
  });

  test("subscribe() replaces the subscription; an invalid one is reported as WshSubscribeError", async () => {
    const s = await startShell();
    const c = json({ url: s.url });
    await c.nextSync();
    const sync = await c.subscribe({ events: ["cursor"], format: "plain" });
    expect(sync.seq).toBe(0);
    expect(typeof sync.screen.lines[0]).toBe("string");
    const err = new Promise<Error>((resolve) => c.on("error", resolve));
    const pending = c.subscribe({ events: ["bogus" as never] }).catch((e) => e);
    const e = await err;
    expect(e).toBeInstanceOf(WshSubscribeError);
    expect(e.message.startsWith("invalid subscribe message: ")).toBe(true);
    expect(c.status).toBe("open");
    await c.close();
    expect(await pending).toBeInstanceOf(Error); // no sync came for the refused subscription
  });
});

describe("WshRawClient", () => {
  test("bytes in and out; a reconnect starts with a repaint", async () => {
    const s = await startShell();
    const c = new WshRawClient({ url: s.url, WebSocket: NodeWebSocket, socket: fast });
    trackLeftover(() => c.close());
    const chunks: Uint8Array[] = [];
    c.on("data", (d) => chunks.push(d));
    c.write("echo RAW''CLIENT\r");
    c.write(new TextEncoder().encode("echo BY''TES\r"));
    await waitFor(() => bytesText(chunks).includes("RAWCLIENT\r\n") && bytesText(chunks).includes("BYTES\r\n"));
    expect(bytesText(chunks).startsWith("\x1bc")).toBe(true);
    const before = chunks.length;
    for (const conn of s.raw.endpoint.connections) conn.terminate();
    await waitFor(() => chunks.length > before && bytesText(chunks.slice(before)).includes("RAWCLIENT"));
    expect(bytesText(chunks.slice(before)).startsWith("\x1bc")).toBe(true);
    const it = c.data();
    c.write("echo IT''ER\r");
    let seen = "";
    for await (const d of it) {
      seen += bytesText([d]);
      if (seen.includes("ITER\r\n")) break;
    }
    expect(seen).toContain("ITER");
  });
});

describe("WshRest", () => {
  test("screen, scrollback, input, resize, input mode; errors as WshApiError; injectable fetch", async () => {
    const s = await startShell({ token: "tok" });
    const calls: string[] = [];
    const rest = new WshRest({
      url: s.url,
      token: "tok",
      fetch: (url, init) => {
        calls.push(`${init?.method} ${new URL(url).pathname}`);
        return fetch(url, init as RequestInit);
      },
    });
    expect(await rest.health()).toEqual({ status: "ok" });
    await rest.input("echo RE''ST\r");
    await waitForScreen(s, "REST\n$");
    expect((await rest.screen("plain")).lines).toContain("REST");
    const sb = await rest.scrollback({ format: "plain", offset: 0, limit: 2 });
    expect(sb.lines).toHaveLength(2);
    await rest.resize(90, 20);
    expect(await rest.screen()).toMatchObject({ cols: 90, rows: 20 });
    expect(await rest.inputMode()).toBe("passthrough");
    await rest.captureInput();
    expect(await rest.inputMode()).toBe("capture");
    await rest.releaseInput();
    expect(calls).toContain("POST /resize");
    const anon = new WshRest({ url: s.url });
    const err = await anon.screen().catch((e) => e);
    expect(err).toBeInstanceOf(WshApiError);
    expect(err).toMatchObject({ status: 401, code: "auth_required" });
    const bad = await rest.resize(0, 0).catch((e) => e);
    expect(bad).toMatchObject({ status: 400, code: "invalid_request" });
    const text = new WshRest({
      url: s.url,
      fetch: async () => ({ ok: false, status: 502, text: async () => "bad gateway" }),
    });
    expect(await text.health().catch((e) => e)).toMatchObject({ status: 502, code: "http_502" });
  });
});

describe("ScreenModel", () => {
  test("applies sync, line (strings or spans), cursor, mode, reset, diff", () => {
    const m = new ScreenModel();
    expect(m.stale).toBe(true);
    const screen = {
      epoch: 1,
      first_line_index: 0,
      total_lines: 3,
      lines: ["a", "", ""],
      cursor: { row: 0, col: 1, visible: true },
      cols: 10,
      rows: 3,
      alternate_active: false,
    };
    m.apply({ event: "sync", seq: 0, screen, scrollback_lines: 3 });
    expect(m.stale).toBe(false);
    m.apply({ event: "line", seq: 1, index: 1, total_lines: 3, line: [{ text: "b", bold: true }] });
    m.apply({ event: "line", seq: 2, index: 2, total_lines: 4, line: "c" });
    expect(m.apply({ event: "line", seq: 3, index: 9, total_lines: 4, line: "x" })).toBe(false);
    expect(m.text()).toEqual(["a", "b", "c"]);
    expect(m.totalLines).toBe(4);
    m.apply({ event: "cursor", seq: 4, row: 2, col: 1, visible: false });
    expect(m.cursor).toEqual({ row: 2, col: 1, visible: false });
    m.apply({ event: "mode", seq: 5, alternate_active: true });
    expect(m.alternateActive).toBe(true);
    expect(m.apply({ event: "mode", mode: "capture" })).toBe(false);
    m.apply({ event: "reset", seq: 6, reason: "clear_screen" });
    expect(m.stale).toBe(true);
    m.apply({ event: "diff", seq: 7, changed_lines: [0], screen: { ...screen, lines: ["z", "", ""], epoch: 2 } });
    expect(m.text()).toEqual(["z", "", ""]);
    expect(m.epoch).toBe(2);
  });
});

describe("browser safety", () => {
  test("the client and root entries bundle for the browser with no Node imports", async () => {
    for (const entry of ["src/client/index.ts", "src/index.ts"]) {
      const b = await bundleForBrowser(new URL(`../${entry}`, import.meta.url).pathname);
      expect(b.nodeImports).toEqual([]);
      expect(b.code.length).toBeGreaterThan(1000);
    }
  });
});
