// The package root is the browser-safe client half; the server is "./server", the Node executor "./executor".
export * from "./client/index.js";
