// Root entry (browser-safe): the wire contract and the engine's types. Halves live in ./client, ./server, ./engine.
export * from "./engine/index.js";
export * from "./protocol/index.js";
