// The package version for --version: bundled into dist/cli by tsup, read from source under tsx.
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
