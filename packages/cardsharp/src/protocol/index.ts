// Wire contract shared by client and server (browser-safe, no dependencies).
export * from "./messages.js";
export * from "./parse.js";
