import { fileURLToPath } from "node:url";
import { bundleForBrowser } from "@proj/ws-core/testing";
import { describe, expect, test } from "vitest";

const src = (p: string) => fileURLToPath(new URL(`../src/${p}`, import.meta.url));

describe("browser safety", () => {
  test.each(["client/index.ts", "index.ts", "extension/service-worker.ts"])(
    "%s bundles for the browser with no Node imports",
    async (entry) => {
      const bundle = await bundleForBrowser(src(entry));
      expect(bundle.nodeImports).toEqual([]);
      expect(bundle.code.length).toBeGreaterThan(1000);
      expect(bundle.inputs.some((i) => i.includes("server/"))).toBe(false);
    },
  );
});
