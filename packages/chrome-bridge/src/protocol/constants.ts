/** Defaults shared by the server and both executors (upstream's ports, names and timings). */
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_REST_PORT = 8765;
export const DEFAULT_WS_PORT = 8766;
export const DEFAULT_SERVER_WS_URL = `ws://${DEFAULT_HOST}:${DEFAULT_WS_PORT}`;
export const DEFAULT_REST_URL = `http://${DEFAULT_HOST}:${DEFAULT_REST_PORT}`;
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

export const SERVER_NAME = "Local Chrome Server";
export const SERVER_VERSION = "0.1.0";
export const WELCOME_MESSAGE = "Connected to Local Chrome Server";

/** Server heartbeat as in OpenBrowser's protocol: JSON ping every 30 s, 10 s to answer. */
export const SERVER_PING_INTERVAL_MS = 30_000;
export const SERVER_PING_GRACE_MS = 10_000;
/** Client keep-alive: MV3 service workers die after 30 s without messages (see PROTOCOL.md). */
export const CLIENT_PING_INTERVAL_MS = 20_000;

/** Close reasons on the wire. */
export const CLOSE_REASON_SHUTDOWN = "Server shutdown";
export const CLOSE_REASON_PING_TIMEOUT = "keepalive ping timeout";
