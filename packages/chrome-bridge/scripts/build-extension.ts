// Package build step: the unpacked MV3 extension into dist/extension (shipped in the package).
import { fileURLToPath } from "node:url";
import { buildExtension } from "../src/extension/build.js";

const outDir = fileURLToPath(new URL("../dist/extension/", import.meta.url));
await buildExtension({ outDir, minify: true });
console.log(`extension built in ${outDir}`);
