// Node server half: the kvmd-compatible emulator and its virtual target.
export { type AuthOptions, type AuthResult, KvmdAuth } from "./auth.js";
export * from "./emulator.js";
export { KvmdError, kvmdBody } from "./kvmd-error.js";
export type { PiKVMEmulatorOptions } from "./options.js";
export { consoleImageSize, renderConsole, renderConsolePng } from "./render/console-image.js";
export { encodePng } from "./render/png.js";
export { generateSelfSignedCert, type TlsMaterial } from "./tls.js";
export { type AtxButton, AtxBusyError, type AtxPowerAction, VirtualAtx } from "./virtual-atx.js";
export { type ConsoleOptions, VirtualConsole } from "./virtual-console.js";
export { type HidInput, type HidSnapshot, type HidSource, squashDeltas, VirtualHid } from "./virtual-hid.js";
export type { SessionContext, SessionCounters } from "./ws-session.js";
export { EmulatorLog, type LogRecord } from "./emulator-log.js";
export { DEFAULT_GPIO, type GpioModel, type GpioOutputModel, VirtualGpio } from "./virtual-gpio.js";
export { type MsdOptions, VirtualMsd } from "./virtual-msd.js";
export { type StreamerOptions, VirtualStreamer } from "./virtual-streamer.js";
