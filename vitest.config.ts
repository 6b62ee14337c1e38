import { defineConfig } from "vitest/config";
import { sourceConditions } from "./vitest.shared.js";

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: sourceConditions } },
  test: { projects: ["packages/*", "apps/*"] },
});
