/** This package's version, sent as `clientVersion` in INIT (a test keeps it equal to package.json). */
export const VERSION = "0.0.0";
