import { fileURLToPath } from "node:url";
import { disposeLeftovers, spawnScript, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { poolStats } from "../src/server/terminal/shared-join.js";
import { numberedLines, ptyRun } from "./helpers.js";

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

afterEach(disposeLeftovers);

/** Kills a process we started (or that a test's program started) if it is still there. */
function killLater(pid: number): void {
  trackLeftover(() => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  });
}

/** A PTY read by the reader thread, collecting its output. */
const threaded = (script: string) => ptyRun(script, { readerThread: true });

describe.each([
  ["thread", true],
  ["loop", false],
] as const)("output at exit (%s reader)", (_mode, readerThread) => {
  test("what the child wrote just before it exited arrives even while reading is paused", {
    timeout: 60_000,
  }, async () => {
    const { pty, text } = ptyRun("sleep 0.3; printf TAIL-OUTPUT", { readerThread });
    pty.pause(); // as the emulator's backlog would: nothing is read until the child has gone
    await pty.exited;
    expect(text()).toBe("TAIL-OUTPUT");
  });
});

describe("the PTY reader thread", () => {
  test("a process that exits while the thread waits in a read of an idle PTY exits", { timeout: 120_000 }, async () => {
    // A worker thread blocked in a read would hold the process's exit up for as long as the PTY stays quiet.
    const script = spawnScript("test/fixtures/exit-with-live-pty.ts", [], { cwd: pkgDir });
    const [, pid] = await script.line(/^child (\d+)$/, 60_000);
    killLater(Number(pid));
    expect(await script.exited).toBe(0);
  });

  test("output written after the shell exited by a program still holding the terminal does not hold up exit", {
    timeout: 60_000,
  }, async () => {
    // The holder is in a session of its own (no SIGHUP when the shell exits), so the PTY never reports EIO.
    const before = poolStats.regionsOut;
    const t = threaded("setsid sleep 600 & echo holder $!; echo bye");
    const exit = await t.pty.exited;
    expect(exit.exitCode).toBe(0);
    const holder = /holder (\d+)/.exec(t.text());
    expect(holder).not.toBeNull();
    killLater(Number(holder?.[1]));
    expect(t.text()).toContain("bye");
    // The thread's blocked read was woken and it ended (a thread left blocked would keep its regions).
    expect(poolStats.regionsOut).toBe(before);
  });

  test("input larger than the PTY takes at once, sent while the program reads none, all arrives", {
    timeout: 60_000,
  }, async () => {
    const bytes = 200_000;
    const t = threaded("stty raw -echo; echo ready; sleep 0.5; head -c 200000 | wc -c");
    await waitFor(() => t.text().includes("ready"), { timeoutMs: 30_000, message: "ready" });
    expect(t.pty.write("x".repeat(bytes))).toBe(true);
    await t.pty.exited;
    expect(t.text()).toMatch(/\b200000\b/);
  });

  test("every byte of a flood arrives in order, with pauses, and the regions all come back", {
    timeout: 120_000,
  }, async () => {
    const before = poolStats.regionsOut;
    const n = 500_000;
    let pauses = 0;
    const { pty, text: output } = ptyRun(`seq 1 ${n}`, {
      readerThread: true,
      lend: true,
      onChunk: (_chunk, lent, pty) => {
        if (!lent || pty.paused) return;
        pty.pause();
        pauses++;
        setTimeout(() => pty.resume(), 1);
      },
    });
    await pty.exited;
    expect(pauses).toBeGreaterThan(0);
    expect(output()).toBe(numberedLines(n));
    expect(poolStats.regionsOut).toBe(before);
  });
});
