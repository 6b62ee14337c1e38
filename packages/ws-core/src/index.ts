// Browser-safe entry: protocol definitions, errors and the client. The server lives in "./server".
export * from "./client/index.js";
export * from "./errors.js";
export * from "./protocol/index.js";
export { AsyncQueue } from "./util/async-queue.js";
export { type Deferred, deferred } from "./util/deferred.js";
export { Emitter, type Listener } from "./util/emitter.js";
export { type EventIteratorOptions, eventIterator } from "./util/event-iterator.js";
