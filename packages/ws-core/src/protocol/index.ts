export * from "./close-codes.js";
export * from "./codec.js";
export * from "./define.js";
