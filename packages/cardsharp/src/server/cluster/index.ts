// Cluster mode: several server processes serving one casino over a ClusterBus (Redis).
export * from "./casino.js";
export * from "./cluster-server.js";
export * from "./keys.js";
export * from "./owned-table.js";
export * from "./socket-link.js";
export * from "./store.js";
export * from "./table-record.js";
