import { EventEmitter } from "node:events";
import WebSocket from "ws";
import { CommandExecutionError } from "../protocol/errors.js";

export interface CdpEvent {
  method: string;
  params: any;
  sessionId: string | undefined;
}

interface Waiter {
  method: string;
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A raw CDP client over one WebSocket to the browser endpoint, with flat sessions
 * (`Target.attachToTarget {flatten:true}`): each call may name a `sessionId`.
 */
export class CdpConnection extends EventEmitter<{ event: [CdpEvent]; close: [] }> {
  readonly #ws: WebSocket;
  readonly #waiters = new Map<number, Waiter>();
  readonly #timeoutMs: number;
  #nextId = 1;
  #closed = false;

  private constructor(ws: WebSocket, timeoutMs: number) {
    super();
    this.#ws = ws;
    this.#timeoutMs = timeoutMs;
    ws.on("message", (data) => this.#receive(data.toString()));
    ws.on("close", () => {
      this.#closed = true;
      for (const [id, w] of this.#waiters) {
        this.#waiters.delete(id);
        clearTimeout(w.timer);
        w.reject(new CommandExecutionError(`CDP command '${w.method}' aborted: browser connection closed`));
      }
      this.emit("close");
    });
    ws.on("error", () => {});
  }

  /**
   * Connects to `ws://host:port/devtools/browser/<id>`. A call without an answer within
   * `timeoutMs` (default 30 s) fails, so a hung page cannot block its tab's queue forever.
   */
  static connect(wsEndpoint: string, options: { timeoutMs?: number } = {}): Promise<CdpConnection> {
    return new Promise((resolve, reject) => {
      // CDP messages (screenshots) can be large; no compression on loopback.
      const ws = new WebSocket(wsEndpoint, { maxPayload: 256 * 1024 * 1024, perMessageDeflate: false });
      ws.once("open", () => resolve(new CdpConnection(ws, options.timeoutMs ?? 30_000)));
      ws.once("error", reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  send<T = any>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    if (this.#closed)
      return Promise.reject(new CommandExecutionError(`CDP command '${method}' failed: browser connection closed`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(id);
        reject(new CommandExecutionError(`CDP command '${method}' timed out after ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#waiters.set(id, { method, resolve, reject, timer });
      this.#ws.send(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }));
    });
  }

  /** Resolves with the first event `method` (in `sessionId`) that `predicate` accepts. */
  waitForEvent(
    method: string,
    sessionId: string | undefined,
    timeoutMs: number,
    predicate: (p: any) => boolean = () => true,
  ) {
    return new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("event", on);
        reject(new CommandExecutionError(`Timed out after ${timeoutMs} ms waiting for ${method}`));
      }, timeoutMs);
      const on = (e: CdpEvent) => {
        if (e.method !== method || e.sessionId !== sessionId || !predicate(e.params)) return;
        clearTimeout(timer);
        this.off("event", on);
        resolve(e.params);
      };
      this.on("event", on);
    });
  }

  close(): void {
    this.#ws.close();
  }

  #receive(text: string): void {
    let m: any;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof m.id === "number") {
      const w = this.#waiters.get(m.id);
      if (!w) return;
      this.#waiters.delete(m.id);
      clearTimeout(w.timer);
      if (m.error)
        w.reject(new CommandExecutionError(`CDP command '${w.method}' failed: ${m.error.message ?? "error"}`));
      else w.resolve(m.result ?? {});
      return;
    }
    if (typeof m.method === "string")
      this.emit("event", { method: m.method, params: m.params ?? {}, sessionId: m.sessionId });
  }
}
