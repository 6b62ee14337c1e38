import { fileURLToPath } from "node:url";
import { bundleForBrowser } from "@proj/ws-core/testing";
import { expect, test } from "vitest";

test("the ./client entry bundles for browsers with no Node-only import", async () => {
  const entry = fileURLToPath(new URL("../src/client/index.ts", import.meta.url));
  const bundle = await bundleForBrowser(entry);
  expect(bundle.nodeImports).toEqual([]);
  expect(bundle.code).toContain("PiKVMWebSocket");
  expect(bundle.inputs.some((i) => i.includes("ws-core"))).toBe(true);
});

test("the root entry (protocol only) is browser-safe too", async () => {
  const bundle = await bundleForBrowser(fileURLToPath(new URL("../src/index.ts", import.meta.url)));
  expect(bundle.nodeImports).toEqual([]);
  expect(bundle.code).toContain("KEY_EVDEV_CODES");
});
