// Upstream's PTY / input integration tests (pty.rs, e2e_concurrent_input.rs, e2e_http.rs, parser tests at HEAD).
import { connectTestClient, disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { startWshServer } from "../src/server/index.js";
import { bytesText, input, screenText, startShell, waitForScreen, wsBase } from "./helpers.js";

afterEach(disposeLeftovers);

describe("PTY and input paths", () => {
  test("POST /input and /ws/raw binary frames reach the PTY byte for byte (raw-mode cat echoes them)", async () => {
    const s = await startWshRawCat();
    const c = await connectTestClient(`${wsBase(s)}/ws/raw`);
    await waitFor(() => c.received.length > 0); // repaint
    const start = c.received.length;
    const bytes = new Uint8Array([0x41, 0x00, 0xff, 0xc3, 0x28, 0x1b, 0x5b, 0x41, 0x0a, 0x42]);
    const r = await fetch(`${s.url}/input`, { method: "POST", body: bytes });
    expect(r.status).toBe(204);
    c.send(new Uint8Array([0x80, 0x81, 0x43]));
    const got = () => Buffer.concat(c.received.slice(start) as Uint8Array[]);
    await waitFor(() => got().length >= bytes.length + 3);
    expect([...got()]).toEqual([...bytes, 0x80, 0x81, 0x43]);
  });

  test("a paste larger than the PTY's buffers arrives whole and in order with the input after it", async () => {
    const s = await startWshRawCat();
    const c = await connectTestClient(`${wsBase(s)}/ws/raw`);
    await waitFor(() => c.received.length > 0); // repaint
    const start = c.received.length;
    const paste = new Uint8Array(256 * 1024).map((_, i) => 0x20 + (i % 90));
    expect((await fetch(`${s.url}/input`, { method: "POST", body: paste })).status).toBe(204);
    c.send(new Uint8Array([0x7e, 0x7e, 0x7e]));
    const got = () => Buffer.concat(c.received.slice(start) as Uint8Array[]);
    await waitFor(() => got().length >= paste.length + 3, { timeoutMs: 20_000 });
    expect(got().equals(Buffer.concat([paste, new Uint8Array([0x7e, 0x7e, 0x7e])]))).toBe(true);
  });

  test("keyboard, HTTP and WebSocket input interleave; 10 rapid POSTs all arrive in order", async () => {
    const s = await startShell();
    const c = await connectTestClient(`${wsBase(s)}/ws/raw`);
    s.session.keyboardInput(new TextEncoder().encode("echo KEY''BOARD\r"));
    await input(s, "echo HT''TP\r");
    c.send("echo WEB''SOCKET\r");
    await waitForScreen(s, "KEYBOARD");
    await waitForScreen(s, "HTTP");
    await waitForScreen(s, "WEBSOCKET");
    for (let i = 0; i < 10; i++) await input(s, `echo R${i}''X\r`);
    await waitForScreen(s, "R9X\n$");
    const text = screenText(s);
    const at = Array.from({ length: 10 }, (_, i) => text.indexOf(`R${i}X\n`));
    expect(at.every((p) => p >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  test("PTYs of 2x1 (xterm's minimum) and 200x100 work; stty sees the size; 1 column is refused", async () => {
    const tiny = await startShell({ cols: 2, rows: 1 });
    expect(tiny.session.emulator.screen("plain")).toMatchObject({ cols: 2, rows: 1 });
    await expect(startShell({ cols: 1, rows: 1 })).rejects.toThrow(/cols must be/);
    const big = await startShell({ cols: 200, rows: 100 });
    await input(big, "stty size\r");
    await waitForScreen(big, "100 200");
    expect(big.session.emulator.screen("plain").lines).toHaveLength(100);
  });

  test("no data lost between PTY and emulator: 300 lines all in the scrollback", async () => {
    const s = await startShell({ rows: 10 });
    await input(s, "seq 1 300; echo EN''D\r");
    await waitForScreen(s, "END\n$");
    const sb = await (await fetch(`${s.url}/scrollback?format=plain&limit=10000`)).json();
    expect(sb.total_lines).toBeGreaterThanOrEqual(300);
    const lines: string[] = sb.lines;
    const from = lines.indexOf("1");
    expect(lines.slice(from, from + 300)).toEqual(Array.from({ length: 300 }, (_, i) => String(i + 1)));
  });
});

describe("output at exit", () => {
  test.each(["main", "worker"] as const)(
    "a burst right before the shell exits reaches raw clients and the screen in full (%s emulator)",
    async (emulatorThread) => {
      const s = await startWshServer({
        command: "/bin/sh",
        args: ["-c", "read x; seq 1 300000; echo THE''END"],
        emulatorThread,
        heartbeatMs: false,
      });
      trackLeftover(() => s.close());
      const c = await connectTestClient(`${wsBase(s)}/ws/raw`);
      await waitFor(() => c.received.length > 0); // repaint
      c.send("\r");
      expect(await c.closed).toEqual({ code: 1000, reason: "server shutting down" });
      await s.closed;
      const out = bytesText(c.received.slice(1));
      expect(out.endsWith("\r\n299999\r\n300000\r\nTHEEND\r\n")).toBe(true);
      expect(out.split("\r\n")).toHaveLength(300000 + 3);
      expect(screenText(s)).toContain("THEEND");
    },
  );
});

function startWshRawCat() {
  return startShell({ command: "/bin/sh", args: ["-c", "stty raw -echo; echo '$ READY'; exec cat"] });
}
