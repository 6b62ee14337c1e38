import { disposeLeftovers } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { numberedLines, ptyRun } from "./helpers.js";

afterEach(disposeLeftovers);

/** The first line that is missing, repeated or out of place, or undefined when `text` is exactly 1..n. */
function firstWrongLine(text: string, n: number): string | undefined {
  const lines = text.split("\r\n");
  if (lines.pop() !== "") return `unterminated tail ${JSON.stringify(text.slice(-20))}`;
  for (let i = 0; i < lines.length; i++) if (lines[i] !== String(i + 1)) return `line ${i + 1} is ${lines[i]}`;
  return lines.length === n ? undefined : `${lines.length} lines instead of ${n}`;
}

describe.each([
  ["loop", false],
  ["thread", true],
] as const)("PtyProcess pause and resume during a flood (%s reader)", (_mode, readerThread) => {
  test("every numbered line arrives once and in order while reading is paused and resumed over and over", async () => {
    const n = 200_000;
    let pauses = 0;
    let resumeNext: "immediate" | "timeout" = "immediate";
    const { pty, text: output } = ptyRun(`seq 1 ${n}`, {
      readerThread,
      onChunk: (_chunk, _lent, pty) => {
        // As the emulator's backlog does: pause from inside the data callback, resume from a later
        // turn of the event loop (alternating between the check phase and the timers phase, so
        // libuv's reads land on both sides of the pause).
        if (pty.paused) return;
        pty.pause();
        pauses++;
        const resume = () => pty.resume();
        if (resumeNext === "immediate") setImmediate(resume);
        else setTimeout(resume, 0);
        resumeNext = resumeNext === "immediate" ? "timeout" : "immediate";
      },
    });
    await pty.exited;
    const text = output();
    // A drain hands on at most 256 KiB: the 1.3 MB flood took at least five reads, each followed by a pause.
    // The reader thread hands on what it read while this thread was busy at once (up to a region and
    // its successor, 2 MiB), so on a loaded machine the whole flood may come in a chunk or two.
    expect(pauses).toBeGreaterThanOrEqual(readerThread ? 1 : 5);
    expect(firstWrongLine(text, n)).toBeUndefined();
    expect(text).toBe(numberedLines(n));
  });
});
