// The same protocol with the emulator on a worker thread (emulatorThread: "worker").
import { connectTestClient, disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { Emulator, WorkerEmulator } from "../src/server/index.js";
import { bytesText, input, startShell, subscribeJson, waitForScreen, wsBase } from "./helpers.js";

afterEach(disposeLeftovers);

describe("emulator on a worker thread", () => {
  test("is the default: a session with no emulatorThread parses on the worker, not on this thread", async () => {
    const s = await startShell();
    expect(s.session.emulator).toBeInstanceOf(WorkerEmulator);
    expect(s.session.emulator).not.toBeInstanceOf(Emulator);
    await input(s, "echo DE''FAULT\r");
    await waitForScreen(s, "DEFAULT");
    const main = await startShell({ emulatorThread: "main" });
    expect(main.session.emulator).toBeInstanceOf(Emulator);
  });

  test("REST, JSON events, resets, resize, raw repaint and shutdown behave the same", async () => {
    const s = await startShell({ emulatorThread: "worker", rows: 10 });
    const { client, sync } = await subscribeJson(s, { events: ["lines", "cursor", "mode"], format: "plain" });
    expect(sync.screen).toMatchObject({ rows: 10, cols: 80 });
    await input(s, "printf '\\033[31mWOR''KER\\033[0m\\n'; seq 1 30\r");
    await client.nextJson((m: any) => m.event === "line" && m.line === "30");
    await waitForScreen(s, "30\n$");
    await s.session.emulator.settled();
    const screen = await (await fetch(`${s.url}/screen`)).json();
    expect(screen.total_lines).toBeGreaterThan(30);
    const sb = await (await fetch(`${s.url}/scrollback?format=plain&limit=1000`)).json();
    expect(sb.lines).toContain("WORKER");
    expect(sb.total_lines).toBe(screen.total_lines);
    const styledSb = await (await fetch(`${s.url}/scrollback?limit=1000`)).json();
    expect(styledSb.lines.find((l: any) => Array.isArray(l) && l[0]?.text === "WORKER")).toEqual([
      { text: "WORKER", fg: { indexed: 1 } },
    ]);

    await input(s, "printf '\\033[?1049h'; printf '\\033[2J'\r");
    const mode = await client.nextJson((m: any) => m.event === "mode");
    expect(mode.alternate_active).toBe(true);
    await client.nextJson((m: any) => m.event === "reset" && m.reason === "clear_screen");
    const altSync = await client.nextJson((m: any) => m.event === "sync" && m.screen.alternate_active);
    expect(altSync.screen.total_lines).toBe(10);

    expect(
      (await fetch(`${s.url}/resize`, { method: "POST", body: JSON.stringify({ cols: 60, rows: 12 }) })).status,
    ).toBe(204);
    expect((await (await fetch(`${s.url}/screen`)).json()).rows).toBe(12);
    const rs = await client.nextJson((m: any) => m.event === "sync" && m.screen.rows === 12);
    expect(rs.screen.cols).toBe(60);

    const raw = await connectTestClient(`${wsBase(s)}/ws/raw`);
    await waitFor(() => raw.received.length > 0);
    const copy = new Emulator({ cols: 60, rows: 12, scrollback: 1000 });
    copy.write(raw.received[0] as Uint8Array);
    await copy.settled();
    await s.session.emulator.settled();
    expect(copy.screen("plain").lines).toEqual(s.session.emulator.screen("plain").lines);

    await input(s, "printf '\\033[?1049l'; exit\r");
    expect(await raw.closed).toEqual({ code: 1000, reason: "server shutting down" });
    expect(bytesText(raw.received)).toContain("exit");
    expect(await s.closed).toEqual({ exitCode: 0 });
  });
});
