/** Close sent to every socket when the shell exits or the server stops. */
export const SHUTDOWN_CLOSE = { code: 1000, reason: "server shutting down" } as const;
/** Close sent to a viewer (read-only token) that sends keystrokes on /ws/raw. */
export const READ_ONLY_CLOSE = { code: 4403, reason: "read-only: viewer token cannot send input" } as const;

export const DEFAULT_COLS = 80;
export const DEFAULT_ROWS = 24;
export const DEFAULT_SCROLLBACK = 10_000;
export const DEFAULT_SCROLLBACK_LIMIT = 100;
/** Largest cols/rows accepted (HEAD clamps to 1..1000). */
export const MAX_DIMENSION = 1000;
/** Smallest width: xterm.js cannot emulate fewer than 2 columns. */
export const MIN_COLS = 2;
