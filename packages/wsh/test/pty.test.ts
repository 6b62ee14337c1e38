import { describe, expect, test } from "vitest";
import { PtyProcess } from "../src/server/terminal/pty.js";

/** Every byte a program writes to the PTY, in order, until it exited and its output was read. */
async function collect(script: string): Promise<string> {
  const chunks: Buffer[] = [];
  const pty = new PtyProcess({ command: "/bin/sh", args: ["-c", script], cols: 80, rows: 24 }, (c) =>
    chunks.push(Buffer.from(c)),
  );
  await pty.exited;
  return Buffer.concat(chunks).toString("latin1");
}

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\r\n`).join("");

describe("PtyProcess reads", () => {
  test("a flood arrives whole and in order (long reads are followed by synchronous drains)", async () => {
    const text = await collect("seq 1 300000");
    expect(text.length).toBe(numbered(300_000).length);
    expect(text).toBe(numbered(300_000));
  });

  test("a flood that ends with the program: the last bytes are kept", async () => {
    // No newline at the end, and the program exits right after writing.
    const text = await collect("head -c 1000000 /dev/zero | tr '\\0' x; printf END");
    expect(text).toBe(`${"x".repeat(1_000_000)}END`);
  });
});
