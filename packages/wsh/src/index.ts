// Browser-safe root entry: the wire types, schemas and helpers. Client in "./client", server in "./server".
export * from "./protocol/index.js";
