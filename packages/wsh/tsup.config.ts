import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    client: "src/client/index.ts",
    server: "src/server/index.ts",
    "cli/wsh": "src/cli/wsh.ts",
    "emulator-worker": "src/server/terminal/emulator-worker.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  // import.meta.url (createRequire for node-pty / xterm) in the CommonJS build
  shims: true,
  // Only used to bundle the terminal page when running from the sources (the build ships the bundle).
  external: ["esbuild"],
});
