// Node flavour of the client: same API, with `ws` as the WebSocket and node:https for REST (verifySsl, ca).
import { NodeWebSocket } from "@proj/ws-core/node";
import { PiKVM as BasePiKVM, type PiKVMOptions } from "../client/pikvm.js";
import { PiKVMWebSocket as BaseWebSocket, type PiKVMWebSocketOptions } from "../client/pikvm-websocket.js";
import { nodeHttpTransport } from "./http-transport.js";

export * from "../client/index.js";
export { nodeHttpTransport };

/** `PiKVM` with Node defaults: `ws` for the socket, node:https for REST. */
export class PiKVM extends BasePiKVM {
  constructor(url: string, options: PiKVMOptions = {}) {
    super(url, { WebSocket: NodeWebSocket, http: nodeHttpTransport, ...options });
  }
}

/** `PiKVMWebSocket` with Node defaults. */
export class PiKVMWebSocket extends BaseWebSocket {
  constructor(options: PiKVMWebSocketOptions) {
    super({ WebSocket: NodeWebSocket, http: nodeHttpTransport, ...options });
  }

  static override async connect(options: PiKVMWebSocketOptions): Promise<PiKVMWebSocket> {
    return new PiKVMWebSocket(options).connect();
  }
}
