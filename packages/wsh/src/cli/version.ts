// The package's version for `wsh --version`, read from package.json at build time (tsup inlines it
// into both the ESM and the CommonJS build) and at run time from sources.
import pkg from "../../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
