export * from "./constants.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./keys.js";
export * from "./screen.js";
export * from "./subscribe.js";
