/** The documented REST envelope (DECISIONS 5): every answer has this shape. */
export interface RestEnvelope<T = Record<string, unknown>> {
  success: boolean;
  message: string | null;
  data: T | null;
  error: string | null;
  command_id?: string | null;
  timestamp: number;
}

export interface ConnectionInfo {
  id: string;
  connected_at: number;
  origin: string | null;
  /** True for the connection that gets commands without `?extension=`. */
  default: boolean;
}

export interface ServerStatus {
  name: string;
  version: string;
  status: "healthy";
  websocket_connections: number;
  extensions_connected: number;
  pending_commands: number;
  connections: ConnectionInfo[];
}

export interface TabInfo {
  id: number;
  title: string;
  url: string;
  active: boolean;
  windowId: number;
  index: number;
}

export interface TabsData {
  tabs: TabInfo[];
  count: number;
}

export interface ScreenshotData {
  imageData: string;
  format: "jpeg" | "png";
  width: number;
  height: number;
  quality: number;
  includeCursor: boolean;
  tab_id: number;
  timestamp: number;
  cursor: { x: number; y: number };
}

/** REST routes that map to one command type (body or query parameters). */
export const SHORTCUT_ROUTES = {
  "/mouse/move": "mouse_move",
  "/mouse/click": "mouse_click",
  "/mouse/scroll": "mouse_scroll",
  "/keyboard/type": "keyboard_type",
  "/keyboard/press": "keyboard_press",
  "/screenshot": "screenshot",
  "/tabs": "tab",
} as const;
