// One vitest test per runnable README code block (see readme-code.mjs): each package's
// test/readme.test.ts calls this, so `pnpm test` proves its README runs as written.
import { afterAll, describe, expect, test } from "vitest";
import {
  describeFailure,
  readmeBlocks,
  removeScratch,
  runReadmeBlock,
  scratchFor,
  writeBlocks,
} from "./readme-code.mjs";

export function testReadme(readmePath: string): void {
  const blocks = readmeBlocks(readmePath);
  describe("README code blocks run as written", () => {
    const dir = scratchFor(readmePath);
    writeBlocks(blocks, dir);
    afterAll(() => removeScratch(dir));
    test("the README has runnable blocks", () => {
      expect(blocks.length).toBeGreaterThan(0);
    });
    for (const b of blocks) {
      test(
        `${b.file} (README line ${b.line})`,
        async () => {
          const r = await runReadmeBlock(b, dir);
          expect(r.timedOut || r.code !== 0 ? describeFailure(readmePath, b, r) : "ok").toBe("ok");
        },
        b.timeoutMs + 15_000,
      );
    }
  });
}
