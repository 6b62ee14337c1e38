import { packageProject } from "../../vitest.shared.js";

// Browser tests: one playground process and one Chromium per file; generous hooks for the Vite build.
export default packageProject("playground", { testTimeout: 60_000, hookTimeout: 180_000 });
