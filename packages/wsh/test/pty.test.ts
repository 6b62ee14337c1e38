import { disposeLeftovers } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { numberedLines, ptyRun } from "./helpers.js";

afterEach(disposeLeftovers);

/** Every byte a program writes to the PTY, in order, until it exited and its output was read. */
async function collect(script: string, readerThread: boolean): Promise<string> {
  const run = ptyRun(script, { readerThread });
  await run.pty.exited;
  return run.text();
}

describe.each([
  ["loop", false],
  ["thread", true],
] as const)("PtyProcess reads (%s reader)", (_mode, readerThread) => {
  test("a flood arrives whole and in order (the loop's long reads are followed by synchronous drains)", async () => {
    const text = await collect("seq 1 300000", readerThread);
    expect(text.length).toBe(numberedLines(300_000).length);
    expect(text).toBe(numberedLines(300_000));
  });

  test("a flood that ends with the program: the last bytes are kept", async () => {
    // No newline at the end, and the program exits right after writing.
    const text = await collect("head -c 1000000 /dev/zero | tr '\\0' x; printf END", readerThread);
    expect(text).toBe(`${"x".repeat(1_000_000)}END`);
  });
});
