// Browser-safe element builders that serialise exactly as upstream's `vuer.schemas`.
export * from "./components.js";
export * from "./element.js";
export type * from "./props.js";
export * from "./scene.js";
export * from "./typed-arrays.js";
