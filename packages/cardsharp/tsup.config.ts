import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      client: "src/client/index.ts",
      server: "src/server/index.ts",
      engine: "src/engine/index.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
  },
  {
    // CLIs use top-level await: ESM only; the `#!/usr/bin/env node` line is kept by esbuild.
    entry: {
      "cli/cardsharp-server": "src/cli/cardsharp-server.ts",
      "cli/cardsharp-client": "src/cli/cardsharp-client.ts",
      "cli/cardsharp-sim": "src/cli/cardsharp-sim.ts",
    },
    format: ["esm"],
    dts: false,
    sourcemap: true,
    clean: false,
    target: "node20",
  },
]);
