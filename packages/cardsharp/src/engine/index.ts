// Pure blackjack engine: no I/O, no Node imports; runs in browsers and Node alike.
export * from "./cards.js";
export * from "./engine.js";
export * from "./errors.js";
export * from "./events.js";
export { Hand, validPlayActions } from "./hand.js";
export * from "./hand-value.js";
export * from "./money.js";
export * from "./rng.js";
export * from "./rules.js";
export * from "./shoe.js";
export * from "./simulate.js";
export * from "./strategy/basic-strategy.js";
export * from "./strategy/hi-lo.js";
