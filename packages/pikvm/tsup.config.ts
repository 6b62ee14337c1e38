import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    client: "src/client/index.ts",
    server: "src/server/index.ts",
    node: "src/node/index.ts",
    "cli/pikvm": "src/cli/pikvm.ts",
    "cli/pikvm-emulator": "src/cli/pikvm-emulator.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
