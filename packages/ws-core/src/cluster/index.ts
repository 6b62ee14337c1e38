// Scale-out: several server instances sharing broadcasts, rooms, presence and state over a ClusterBus (Redis).
export * from "./bus.js";
export * from "./hub.js";
export * from "./memory-bus.js";
export * from "./redis-bus.js";
