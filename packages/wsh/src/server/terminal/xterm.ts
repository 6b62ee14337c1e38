// @xterm/headless and the serialize addon ship CommonJS with no ESM entry: load them through require.
import { createRequire } from "node:module";
import type { Terminal as TerminalType } from "@xterm/headless";

const require = createRequire(import.meta.url);

export const { Terminal } = require("@xterm/headless") as { Terminal: typeof TerminalType };
export type Terminal = TerminalType;

interface SerializeAddonLike {
  activate(terminal: unknown): void;
  dispose(): void;
  serialize(options?: { scrollback?: number; excludeModes?: boolean; excludeAltBuffer?: boolean }): string;
}
export const { SerializeAddon } = require("@xterm/addon-serialize") as { SerializeAddon: new () => SerializeAddonLike };
export type SerializeAddon = SerializeAddonLike;
