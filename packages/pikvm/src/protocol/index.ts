// Wire contract of kvmd's /api/ws: event frames, binary HID frames, key table, validators, helpers. Browser-safe.
export * from "./binary.js";
export * from "./coordinates.js";
export * from "./events.js";
export * from "./keymap-us.js";
export * from "./keys.js";
export * from "./merge.js";
export * from "./py-json.js";
export * from "./validate.js";
export * from "./schemas.js";
export * from "./rest-schemas.js";
