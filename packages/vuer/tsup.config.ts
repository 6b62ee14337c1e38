import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    client: "src/client/index.ts",
    server: "src/server/index.ts",
    schemas: "src/schemas/index.ts",
    viewer: "src/viewer/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  // import.meta.url (the prebuilt viewer script beside the module) in the CommonJS build
  shims: true,
  // Only used to bundle the viewer page when running from the sources (the build ships the bundle).
  external: ["esbuild"],
});
