import { defineConfig } from "vite";

// The page imports each package's browser client; "@proj/source" resolves workspace packages to src/.
export default defineConfig({
  root: "web",
  resolve: { conditions: ["@proj/source", "browser", "module", "import", "default"] },
  build: { outDir: "../dist/web", emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: false },
  logLevel: "warn",
});
