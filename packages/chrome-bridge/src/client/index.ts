// Browser-safe client half: protocol types and schemas, the REST client, the CommandExecutor
// interface, the agent that speaks the extension side of the protocol, and the shared CDP executor.
export * from "../protocol/index.js";
export * from "./agent.js";
export * from "./cdp/cdp-executor.js";
export { imageSize } from "./cdp/image-size.js";
export { type KeyDefinition, keyDefinition } from "./cdp/keys.js";
export { MODIFIER_BITS, modifierMask, normaliseModifiers } from "./cdp/modifiers.js";
export type { CdpSession, TabHost } from "./cdp/tab-host.js";
export * from "./executor.js";
export * from "./rest-client.js";
