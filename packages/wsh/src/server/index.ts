// Node server half: the terminal session (node-pty + @xterm/headless) and its REST / WebSocket routes.
export * from "../protocol/index.js";
export type { WshAccessOptions } from "./access.js";
export {
  authorize,
  checkAuth,
  extractToken,
  generateToken,
  isLoopback,
  type Role,
  resolveAuthToken,
  type Tokens,
} from "./auth.js";
export { JsonStream } from "./json-stream.js";
export { RawStream, sizeSequence } from "./raw-stream.js";
export type { ResizePolicy } from "./rest.js";
export { startWshServer, type WshLimits, WshServer, type WshServerOptions } from "./server.js";
export { type Discontinuity, Emulator, type EmulatorOptions, type ScreenChanges } from "./terminal/emulator.js";
export type { ScreenSource } from "./terminal/screen-source.js";
export { WorkerEmulator } from "./terminal/worker-emulator.js";
export type { PtyExit } from "./terminal/pty.js";
export { InvalidSizeError, type SessionOptions, TerminalSession } from "./terminal/session.js";
