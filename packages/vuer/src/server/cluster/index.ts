export * from "./shared-scene.js";
