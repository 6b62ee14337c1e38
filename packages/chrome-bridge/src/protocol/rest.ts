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

/** Where a navigation (navigate, go_back, go_forward, reload, wait_for) left the tab. */
export interface PageData {
  tab_id: number;
  url: string;
  title: string;
}

export interface EvaluateData<V = unknown> {
  tab_id: number;
  /** JavaScript's typeof the result ("object" for null too). */
  type: string;
  /** The result as JSON; undefined is null, NaN and Infinity are strings. */
  value: V;
}

/** An interactive element as `snapshot` reports it; centre (x, y) in viewport CSS pixels. */
export interface SnapshotElement {
  ref: string;
  role: string;
  name: string;
  x: number;
  y: number;
  value?: string;
  checked?: boolean;
  disabled?: boolean;
  /** Its centre is outside the viewport (click, fill and type by ref scroll it into view). */
  offscreen?: boolean;
}

export interface SnapshotData {
  tab_id: number;
  url: string;
  title: string;
  viewport: { width: number; height: number };
  elements: SnapshotElement[];
  /** Interactive elements left out past max_elements. */
  more_elements: number;
  text: string;
  text_truncated: boolean;
}

export interface ConsoleData {
  tab_id: number;
  messages: Array<{
    level: string;
    kind: "console" | "pageerror";
    text: string;
    timestamp: number;
    url?: string;
  }>;
  total: number;
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
  // Additions (no upstream route): the agent commands.
  "/navigate": "navigate",
  "/back": "go_back",
  "/forward": "go_forward",
  "/reload": "reload",
  "/evaluate": "evaluate",
  "/wait-for": "wait_for",
  "/snapshot": "snapshot",
  "/fill": "fill",
  "/console": "console",
  "/dialog": "dialog",
} as const;
