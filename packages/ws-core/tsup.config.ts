import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    client: "src/client/index.ts",
    server: "src/server/index.ts",
    node: "src/node/index.ts",
    cli: "src/cli/index.ts",
    testing: "src/testing/index.ts",
    cluster: "src/cluster/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
