import { connectTestClient, disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import {
  input,
  jsonReceived,
  screenText,
  startShell,
  stopFile,
  subscribeJson,
  waitForScreen,
  wsBase,
} from "./helpers.js";

afterEach(disposeLeftovers);

const events = (c: Parameters<typeof jsonReceived>[0]) => jsonReceived(c).filter((m) => "event" in m);

describe("/ws/json", () => {
  test("connected, ack in request order, sync (seq 0) equal to GET /screen", async () => {
    const s = await startShell();
    await input(s, "echo HELLO\r");
    await waitForScreen(s, "HELLO\n$");
    await s.session.emulator.settled();
    const { sync } = await subscribeJson(s, { events: ["cursor", "lines", "lines"], format: "plain" });
    const screen = await (await fetch(`${s.url}/screen?format=plain`)).json();
    expect(sync).toEqual({ event: "sync", seq: 0, screen, scrollback_lines: screen.total_lines });
    const styled = await subscribeJson(s, { events: [] });
    expect(styled.sync.screen).toEqual(await (await fetch(`${s.url}/screen`)).json());
  });

  test("invalid subscribe messages get invalid_subscribe and the socket stays usable", async () => {
    const s = await startShell();
    const c = await connectTestClient(`${wsBase(s)}/ws/json`);
    expect(await c.nextJson()).toEqual({ connected: true });
    for (const bad of ['{"events":["foo"]}', "{}", "not json", '{"events":"bad"}']) {
      c.send(bad);
      const err = await c.nextJson();
      expect(err.code).toBe("invalid_subscribe");
      expect(err.error.startsWith("invalid subscribe message: ")).toBe(true);
    }
    c.send(new Uint8Array([1, 2, 3]));
    expect((await c.nextJson()).code).toBe("invalid_subscribe");
    c.send({ events: ["lines"] });
    expect(await c.nextJson()).toEqual({ subscribed: ["lines"] });
    expect((await c.nextJson()).event).toBe("sync");
    // After subscribing, a bad message is refused but the subscription keeps working.
    c.send('{"events":["lines"],"format":"html"}');
    expect((await c.nextJson()).error).toContain("format");
    await input(s, "echo AFT''ER\r");
    await c.nextJson((m: any) => m.event === "line" && JSON.stringify(m.line).includes("AFTER"));
  });

  test("line events: visible index, total_lines, format honoured; seq strictly increasing", async () => {
    const s = await startShell();
    const plain = await subscribeJson(s, { events: ["lines", "cursor"], format: "plain" });
    const styled = await subscribeJson(s, { events: ["lines"], format: "styled" });
    await input(s, "printf '\\033[31mHello\\033[0m test\\n'\r");
    const p = await plain.client.nextJson((m: any) => m.event === "line" && m.line === "Hello test");
    expect(p.index).toBeGreaterThanOrEqual(0);
    expect(p.index).toBeLessThan(24);
    expect(p.total_lines).toBeGreaterThanOrEqual(24);
    const st = await styled.client.nextJson(
      (m: any) => m.event === "line" && Array.isArray(m.line) && m.line.some((x: any) => x.text === "Hello"),
    );
    expect(st.line).toEqual([{ text: "Hello", fg: { indexed: 1 } }, { text: " test" }]);
    expect(st.seq).toBe(p.seq); // one terminal-wide sequence
    await plain.client.nextJson((m: any) => m.event === "cursor");
    const seqs = events(plain.client).map((m) => m.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
  });

  test("filters: a cursor-only subscriber gets no lines; reset and sync reach everyone", async () => {
    const s = await startShell();
    const cursorOnly = await subscribeJson(s, { events: ["cursor"] });
    const nothing = await subscribeJson(s, { events: [] });
    await input(s, "echo FIL''TER\r");
    await cursorOnly.client.nextJson((m: any) => m.event === "cursor");
    await waitForScreen(s, "FILTER\n$");
    await input(s, "printf '\\033[2J'\r");
    for (const c of [cursorOnly.client, nothing.client]) {
      const reset = await c.nextJson((m: any) => m.event === "reset");
      expect(reset.reason).toBe("clear_screen");
      const sync = await c.nextJson((m: any) => m.event === "sync");
      expect(sync.seq).toBeGreaterThan(reset.seq);
    }
    expect(events(cursorOnly.client).some((m) => m.event === "line")).toBe(false);
    expect(events(nothing.client).every((m) => m.event === "sync" || m.event === "reset")).toBe(true);
  });

  test("alternate screen with a real full-screen program: mode + reset + sync, epoch bumps", async () => {
    const s = await startShell({ rows: 10 });
    const { client, sync } = await subscribeJson(s, { events: ["mode", "lines"], format: "plain" });
    await input(s, "seq 1 30 | less\r");
    const on = await client.nextJson((m: any) => m.event === "mode");
    expect(on.alternate_active).toBe(true);
    const reset = await client.nextJson((m: any) => m.event === "reset");
    expect(reset).toEqual({ event: "reset", seq: on.seq + 1, reason: "alternate_screen_enter" });
    const altSync = await client.nextJson((m: any) => m.event === "sync");
    expect(altSync.screen).toMatchObject({ alternate_active: true, total_lines: 10, first_line_index: 0 });
    expect(altSync.screen.epoch).toBeGreaterThan(sync.screen.epoch);
    await waitForScreen(s, /^1\n2\n3/);
    await input(s, "q");
    const off = await client.nextJson((m: any) => m.event === "mode" && m.alternate_active === false);
    const exitReset = await client.nextJson((m: any) => m.event === "reset" && m.seq > off.seq);
    expect(exitReset.reason).toBe("alternate_screen_exit");
    const back = await client.nextJson((m: any) => m.event === "sync" && m.seq > exitReset.seq);
    expect(back.screen.alternate_active).toBe(false);
    expect(back.screen.epoch).toBeGreaterThan(altSync.screen.epoch);
  });

  test("clear screen, clear scrollback, hard reset and resize: each reset then a sync", async () => {
    const s = await startShell();
    const { client } = await subscribeJson(s, { events: [] });
    const expectReset = async (reason: string) => {
      const r = await client.nextJson((m: any) => m.event === "reset" && m.reason === reason);
      const next = await client.nextJson((m: any) => m.event === "sync" && m.seq > r.seq);
      return { r, next };
    };
    await input(s, "printf '\\033[H\\033[2J'\r");
    const a = await expectReset("clear_screen");
    await input(s, "printf '\\033[3J'\r");
    const b = await expectReset("clear_scrollback");
    expect(b.next.screen.epoch).toBeGreaterThan(a.next.screen.epoch);
    await input(s, "printf '\\033c'\r");
    await expectReset("hard_reset");
    await fetch(`${s.url}/resize`, { method: "POST", body: JSON.stringify({ cols: 50, rows: 12 }) });
    const rs = await expectReset("resize");
    expect(rs.next.screen).toMatchObject({ cols: 50, rows: 12 });
    expect(rs.next.screen.lines).toHaveLength(12);
  });

  test("diffs: changed lines and the full screen in the subscriber's format", async () => {
    const s = await startShell();
    const { client } = await subscribeJson(s, { events: ["diffs"], interval_ms: 0, format: "plain" });
    await input(s, "echo DI''FF\r");
    const d = await client.nextJson((m: any) => m.event === "diff" && m.screen.lines.includes("DIFF"));
    expect(d.changed_lines.length).toBeGreaterThan(0);
    expect([...d.changed_lines].sort((x: number, y: number) => x - y)).toEqual(d.changed_lines);
    for (const i of d.changed_lines) expect(i).toBeLessThan(24);
    expect(d.screen.lines).toHaveLength(24);
    expect(events(client).some((m) => m.event === "line" || m.event === "cursor")).toBe(false);
  });

  test("diffs honour interval_ms on a real PTY: the first at once, then none until the window ends; resets are not held", async () => {
    const s = await startShell();
    const hour = 3_600_000;
    const slow = await subscribeJson(s, { events: ["diffs"], interval_ms: hour, format: "plain" });
    const control = await subscribeJson(s, { events: ["lines"], format: "plain" });
    await input(s, "echo ON''E\r");
    await slow.client.nextJson((m: any) => m.event === "diff"); // leading edge
    await input(s, "echo TW''O\r");
    await control.client.nextJson((m: any) => m.event === "line" && m.line === "TWO");
    // A reset and its sync go out at once, window or not.
    await input(s, "printf '\\033[2J'\r");
    const reset = await slow.client.nextJson((m: any) => m.event === "reset");
    expect(reset.reason).toBe("clear_screen");
    await slow.client.nextJson((m: any) => m.event === "sync" && m.seq > reset.seq);
    await input(s, "echo THR''EE\r");
    await control.client.nextJson((m: any) => m.event === "line" && m.line === "THREE");
    await waitForScreen(s, "THREE\n$");
    await s.session.emulator.settled();
    // Everything the server sent before the ack of a new subscribe arrives before it: one diff only.
    slow.client.send({ events: ["diffs"], interval_ms: 0, format: "plain" });
    await slow.client.nextJson((m: any) => "subscribed" in m);
    const before = jsonReceived(slow.client);
    const ack = before.map((m) => "subscribed" in m).lastIndexOf(true);
    expect(before.slice(0, ack).filter((m) => m.event === "diff")).toHaveLength(1);
    // With interval_ms 0 the next change is diffed at once.
    await input(s, "echo FO''UR\r");
    await slow.client.nextJson((m: any) => m.event === "diff" && m.screen.lines.includes("FOUR"));
  });

  test("a new subscribe replaces the subscription and sends a new sync with seq 0", async () => {
    const s = await startShell();
    const { client } = await subscribeJson(s, { events: ["lines"], format: "plain" });
    client.send({ events: ["cursor"], format: "styled" });
    expect(await client.nextJson((m: any) => "subscribed" in m)).toEqual({ subscribed: ["cursor"] });
    const sync = await client.nextJson((m: any) => m.event === "sync");
    expect(sync.seq).toBe(0);
    expect(Array.isArray(sync.screen.lines[0])).toBe(true);
    const mark = client.received.length;
    await input(s, "echo RE''SUB\r");
    await client.nextJson((m: any) => m.event === "cursor");
    await waitForScreen(s, "RESUB\n$");
    await s.session.emulator.settled();
    const later = jsonReceived(client).slice(mark);
    expect(later.some((m) => m.event === "line")).toBe(false);
  });

  test("input events and input-mode events; Ctrl+\\ releases capture", async () => {
    const s = await startShell();
    const { client } = await subscribeJson(s, { events: ["input", "mode"] });
    s.session.keyboardInput(new Uint8Array([0x61]));
    expect(await client.nextJson((m: any) => m.event === "input")).toEqual({
      event: "input",
      mode: "passthrough",
      raw: [97],
      parsed: { key: "a", modifiers: [] },
    });
    await fetch(`${s.url}/input/capture`, { method: "POST" });
    expect(await client.nextJson((m: any) => m.event === "mode" && "mode" in m)).toEqual({
      event: "mode",
      mode: "capture",
    });
    s.session.keyboardInput(new Uint8Array([0x79]));
    expect(await client.nextJson((m: any) => m.event === "input" && m.raw[0] === 0x79)).toMatchObject({
      mode: "capture",
    });
    s.session.keyboardInput(new Uint8Array([0x1c]));
    expect(await client.nextJson((m: any) => m.event === "input" && m.raw[0] === 0x1c)).toEqual({
      event: "input",
      mode: "capture",
      raw: [28],
      parsed: { key: "\\", modifiers: ["ctrl"] },
    });
    expect(await client.nextJson((m: any) => m.event === "mode" && m.mode === "passthrough")).toEqual({
      event: "mode",
      mode: "passthrough",
    });
    expect((await (await fetch(`${s.url}/input/mode`)).json()).mode).toBe("passthrough");
    // The captured "y" never reached the shell; the passthrough "a" did.
    s.session.keyboardInput(new TextEncoder().encode("\x15echo K''EY\r"));
    await waitForScreen(s, "KEY\n$");
    expect(s.session.emulator.screen("plain").lines.join("\n")).not.toContain("y");
    // Input events carry no seq and never count as screen mode events.
    expect(
      events(client)
        .filter((m) => m.event === "input" || "mode" in m)
        .every((m) => m.seq === undefined),
    ).toBe(true);
  });

  test("an oversize frame closes with 1009", async () => {
    const s = await startShell({ limits: { maxPayload: 512 } });
    const c = await connectTestClient(`${wsBase(s)}/ws/json`);
    c.send(JSON.stringify({ events: ["lines"], pad: "x".repeat(2000) }));
    expect((await c.closed).code).toBe(1009);
  });

  test("a stalled subscriber is resynced with a fresh sync once it drains; others unaffected", {
    timeout: 60_000,
  }, async () => {
    // A big screen makes every diff large, so the stalled socket's kernel buffers fill quickly.
    const s = await startShell({ cols: 400, rows: 150, limits: { jsonHighWaterMark: 64 * 1024 } });
    const slow = await subscribeJson(s, { events: ["diffs", "lines"], interval_ms: 0, format: "plain" });
    const fast = await subscribeJson(s, { events: ["lines"], format: "plain" });
    const sock = (slow.client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    sock.pause();
    const sub = [...s.json.subscribers].find((x) => x.sub?.events.includes("diffs"));
    // Produce output until the stalled socket's buffers are full and the server skips events for it,
    // then stop the loop with a file (Ctrl+C during a flood races with the tty's output flush).
    const stop = stopFile();
    await input(s, `while [ ! -e ${stop} ]; do seq -f '%0390g' 1 500; done; echo LA''GDONE\r`);
    await waitFor(() => sub?.lagging, { timeoutMs: 30_000, message: "step 1: subscriber lagging" });
    writeFileSync(stop, "");
    const shows = (m: any) =>
      (m.event === "line" && m.line === "LAGDONE") || (m.event === "sync" && m.screen.lines.includes("LAGDONE"));
    await fast.client.nextJson(shows, 30_000).catch((e) => {
      throw new Error(
        `step 2: fast subscriber never showed LAGDONE (${e.message}); emulator backlog ${s.session.emulator.pendingBytes}, pty paused ${s.session.pty.paused}, alive ${s.session.pty.alive}; screen: ${screenText(s).slice(-300)}`,
      );
    });
    sock.resume();
    await waitFor(() => (sub?.lagResyncs ?? 0) > 0, { timeoutMs: 30_000, message: "step 3: resync after drain" });
    const resync = await slow.client.nextJson(
      (m: any) => (m.event === "sync" || m.event === "diff") && m.screen.lines.includes("LAGDONE"),
      30_000,
    );
    expect(resync.screen.lines).toContain("LAGDONE");
    expect(fast.client.ws.readyState).toBe(1);
  });
});
