// Node helpers for the client: Node 20 has no global WebSocket, so this entry supplies `ws`'s.
import WebSocket from "ws";
import type { WebSocketConstructor } from "../client/websocket-like.js";

/** `ws`'s WebSocket, typed as the constructor the ws-core client accepts. */
export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;
export { WebSocket };
