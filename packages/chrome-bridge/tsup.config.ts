import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      client: "src/client/index.ts",
      server: "src/server/index.ts",
      executor: "src/executor/index.ts",
      mcp: "src/mcp/index.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
  },
  {
    // The CLI: ESM only, with a shebang; the package build then adds dist/extension (scripts/build-extension.ts).
    entry: { "cli/chrome-bridge": "src/cli/chrome-bridge.ts" },
    format: ["esm"],
    dts: false,
    sourcemap: true,
    clean: false,
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
  },
]);
