// Browser-safe protocol layer: constants, command schemas and validation, wire messages, REST shapes.
export * from "./commands.js";
export * from "./constants.js";
export * from "./errors.js";
export * from "./messages.js";
export * from "./rest.js";
export * from "./time.js";
export * from "./validate.js";
