import { fileURLToPath } from "node:url";
import { bundleForBrowser } from "@proj/ws-core/testing";
import { describe, expect, test } from "vitest";

const entry = (p: string) => fileURLToPath(new URL(`../src/${p}`, import.meta.url));

describe("browser safety", () => {
  for (const e of ["client/index.ts", "schemas/index.ts", "index.ts"]) {
    test(`${e} bundles for the browser without Node imports`, async () => {
      const bundle = await bundleForBrowser(entry(e));
      expect(bundle.nodeImports).toEqual([]);
      expect(bundle.code.length).toBeGreaterThan(1000);
      expect(bundle.inputs.some((i) => i.includes("/server/"))).toBe(false);
    });
  }
});
