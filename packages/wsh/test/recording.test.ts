// Issue 18: asciicast v2 recordings (`record`, `--record`), served live at GET /recording.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { disposeLeftovers, launchChromium, rawRequest, trackLeftover, waitFor, tempDir } from "@proj/ws-core/testing";
import xterm from "@xterm/headless";
import { spawn as spawnPty } from "node-pty";
import { afterEach, describe, expect, test } from "vitest";
import { input, startShell, waitForScreen } from "./helpers.js";

afterEach(disposeLeftovers);

const castPath = () => join(tempDir("wsh-rec-"), "session.cast");

function parseCast(text: string): { header: any; events: Array<[number, string, string]> } {
  const [head, ...lines] = text.split("\n").filter((l) => l !== "");
  return { header: JSON.parse(head as string), events: lines.map((l) => JSON.parse(l)) };
}

/** A fresh headless xterm, disposed after the test. */
function freshTerm(cols: number, rows: number): InstanceType<typeof xterm.Terminal> {
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  trackLeftover(() => term.dispose());
  return term;
}

/** The visible rows of `term` once everything written to it has been parsed. */
function visibleRows(term: InstanceType<typeof xterm.Terminal>): Promise<string[]> {
  return new Promise((resolve) =>
    term.write("", () => {
      const b = term.buffer.active;
      resolve(Array.from({ length: term.rows }, (_, y) => b.getLine(b.viewportY + y)?.translateToString(true) ?? ""));
    }),
  );
}

function replayScreen(header: any, events: Array<[number, string, string]>): Promise<string[]> {
  const term = freshTerm(header.width, header.height);
  for (const [, code, data] of events) {
    if (code === "o") term.write(data);
    if (code === "r") {
      const [c, r] = data.split("x").map(Number);
      term.write("", () => term.resize(c as number, r as number));
    }
  }
  return visibleRows(term);
}

type Step = { type: string; until: string } | { resize: { cols: number; rows: number } };

/**
 * A recorded session (input recorded too) of `steps`: each typed and waited for by its marker on the
 * screen, or a resize by the owner. Returns the file and the server's final screen, rows trimmed.
 */
async function recordSession(cols: number, rows: number, steps: Step[]): Promise<{ path: string; screen: string[] }> {
  const path = castPath();
  const s = await startShell({ cols, rows, record: { path, input: true, flushMs: 50 } });
  for (const step of steps) {
    if ("resize" in step) {
      const res = await fetch(`${s.url}/resize`, { method: "POST", body: JSON.stringify(step.resize) });
      expect(res.status).toBe(204);
      continue;
    }
    await input(s, step.type);
    await waitForScreen(s, step.until);
  }
  await s.close();
  return { path, screen: (s.session.emulator.screen("plain").lines as string[]).map((l) => l.trimEnd()) };
}

describe("recording", () => {
  test("replaying the asciicast into a fresh xterm gives the server's /screen; input and resizes are recorded", async () => {
    const path = castPath();
    const s = await startShell({ cols: 60, rows: 12, record: { path, input: true, flushMs: 50 } });
    await input(s, "printf '\\033[1mBOLD\\033[0m caf\\303\\251\\n'; echo DO''NE\r");
    await waitForScreen(s, "DONE");
    expect((await fetch(`${s.url}/resize`, { method: "POST", body: '{"cols":70,"rows":14}' })).status).toBe(204);
    await input(s, "echo AF''TER\r");
    await waitForScreen(s, "AFTER");
    // Flushed as it goes: the file has the marker without the server stopping.
    await waitFor(() => readFileSync(path, "utf8").includes("AFTER"), { timeoutMs: 15_000, message: "flushed" });
    // The server's final screen (it stays readable after close), and the file, closed and complete.
    await s.close();
    const screen = s.session.emulator.screen("plain").lines as string[];
    const { header, events } = parseCast(readFileSync(path, "utf8"));
    expect(header).toMatchObject({
      version: 2,
      width: 60,
      height: 12,
      env: { TERM: s.session.pty.term, SHELL: "/bin/sh" },
    });
    expect(typeof header.timestamp).toBe("number");
    expect(events.some(([, c, d]) => c === "r" && d === "70x14")).toBe(true);
    expect(events.some(([, c, d]) => c === "i" && d.includes("echo AF''TER"))).toBe(true);
    expect(events.every(([t], i) => i === 0 || t >= (events[i - 1]?.[0] ?? 0))).toBe(true);
    const replayed = await replayScreen(header, events);
    expect(replayed.map((l) => l.trimEnd())).toEqual(screen.map((l) => l.trimEnd()));
    expect(replayed.join("\n")).toContain("BOLD café");
  });

  test("asciinema's own web player (asciinema-player, in Chromium) plays it to the server's /screen", async () => {
    // Styles, UTF-8, scrolling past the screen, a resize and a cursor-addressed redraw.
    const { path, screen } = await recordSession(50, 10, [
      { type: "printf '\\033[1;31mRED\\033[0m na\\303\\257ve\\n'; seq 1 25; echo ST''EP1\r", until: "STEP1" },
      { resize: { cols: 64, rows: 12 } },
      { type: "printf '\\033[5;3HMID\\033[12;1H'; echo EN''D\r", until: "END" },
    ]);
    const cast = readFileSync(path, "utf8");

    const browser = await launchChromium();
    const page = await browser.newPage();
    await page.setContent('<div id="player"></div>');
    const bundle = createRequire(import.meta.url).resolve("asciinema-player/dist/bundle/asciinema-player.min.js");
    await page.addScriptTag({ path: bundle });
    await page.evaluate((data) => {
      const g = globalThis as any;
      g.player = g.AsciinemaPlayer.create({ data }, document.getElementById("player"), { preload: true });
    }, cast);
    // The duration is known once the recording has been parsed.
    await page.waitForFunction(() => (globalThis as any).player.getDuration() !== undefined, null, { timeout: 30_000 });
    await page.evaluate(() => (globalThis as any).player.seek((globalThis as any).player.getDuration()));
    // The seek's frame is drawn on the next animation frames: wait for the recording's last line.
    await page.waitForSelector(".ap-term-text:has-text('END')", { timeout: 30_000 });
    const played = await page.evaluate(() => {
      const el = (globalThis as any).player.el as HTMLElement;
      const term = el.querySelector(".ap-term") as HTMLElement;
      const size = [term.style.getPropertyValue("--term-cols"), term.style.getPropertyValue("--term-rows")];
      return { size, lines: Array.from(el.querySelectorAll(".ap-line"), (l) => l.textContent) };
    });
    expect(played.size).toEqual(["64", "12"]);
    expect(played.lines.map((l) => (l ?? "").trimEnd())).toEqual(screen);
    expect(screen.join("\n")).toContain("MID");
  });

  test("the asciinema CLI (`asciinema play`, Debian's asciinema 2.2) plays it on a real PTY to the server's /screen", async () => {
    // Styles, UTF-8, scrolling past the screen and a cursor-addressed redraw (asciinema 2.2 plays
    // no resize events, so the size stays put).
    const { path, screen } = await recordSession(50, 10, [
      { type: "printf '\\033[1;32mGREEN\\033[0m \\303\\274ber\\n'; seq 1 25; echo ST''EP1\r", until: "STEP1" },
      { type: "printf '\\033[4;3HMID\\033[10;1H'; echo EN''D\r", until: "END" },
    ]);

    // The player's output, on a PTY of the recorded size, into a fresh xterm of that size.
    const term = freshTerm(50, 10);
    const player = spawnPty("asciinema", ["play", "--idle-time-limit", "0.05", "--speed", "5", path], {
      cols: 50,
      rows: 10,
      env: { ...process.env, TERM: "xterm-256color" } as Record<string, string>,
    });
    trackLeftover(() => player.kill());
    let output = "";
    player.onData((d) => {
      output += d;
      term.write(d);
    });
    const exit = await new Promise<{ exitCode: number }>((resolve) => player.onExit(resolve));
    expect(exit.exitCode, output).toBe(0);
    const played = await visibleRows(term);
    expect(played.map((l) => l.trimEnd())).toEqual(screen);
    expect(screen.join("\n")).toContain("MID");
    expect(output).toContain("\x1b[1;32mGREEN");
  });

  test("GET /recording streams it live to the owner; viewers get 403; no recording is 404", async () => {
    const path = castPath();
    const s = await startShell({ token: "own", viewerToken: "view", record: { path, flushMs: 20 } });
    expect((await rawRequest(`${s.url}/recording`, { headers: { authorization: "Bearer view" } })).status).toBe(403);
    const res = await fetch(`${s.url}/recording`, { headers: { authorization: "Bearer own" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-asciicast");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const input$ = fetch(`${s.url}/input`, {
      method: "POST",
      headers: { authorization: "Bearer own" },
      body: "echo LI''VE\r",
    });
    while (!text.includes("LIVE")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await input$;
    expect(text.startsWith('{"version":2')).toBe(true);
    expect(text).toContain("LIVE");
    await reader.cancel();
    const plain = await startShell();
    expect((await rawRequest(`${plain.url}/recording`)).status).toBe(404);
  });
});
