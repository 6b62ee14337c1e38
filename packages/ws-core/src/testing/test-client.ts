import WebSocket from "ws";
import { TimeoutError } from "../errors.js";
import { toWireData, type WireData } from "../protocol/codec.js";
import { AsyncQueue } from "../util/async-queue.js";
import { trackLeftover } from "./leftovers.js";

export interface TestClient {
  ws: WebSocket;
  /** Every message received so far, in order. */
  received: WireData[];
  /** The next message (or the first one matching `predicate`) not yet taken. */
  next(predicate?: (m: WireData) => boolean, timeoutMs?: number): Promise<WireData>;
  /** Like next(), parsed as JSON. */
  nextJson<T = any>(predicate?: (m: T) => boolean, timeoutMs?: number): Promise<T>;
  send(data: WireData | object): void;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(code?: number, reason?: string): Promise<{ code: number; reason: string }>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A raw `ws` client that records what it gets; rejects if the handshake fails (with the HTTP status). */
export async function connectTestClient(
  url: string,
  options: WebSocket.ClientOptions & { protocols?: string | string[] } = {},
): Promise<TestClient> {
  const { protocols, ...wsOptions } = options;
  const ws = new WebSocket(url, protocols, wsOptions);
  const received: WireData[] = [];
  // Messages are remembered by position, so two identical frames are two messages.
  const pending = new AsyncQueue<number>();
  const taken = new Set<number>();
  ws.on("message", (data, isBinary) => {
    // Plain Uint8Array (not Buffer) so results compare equal to the bytes a test expects.
    const m = isBinary ? new Uint8Array(toWireData(data) as Uint8Array) : data.toString();
    pending.push(received.push(m) - 1);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => {
      pending.end();
      resolve({ code, reason: reason.toString() });
    });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => {
        body += c.toString();
      });
      res.on("end", () => {
        const err = Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode, body });
        reject(err);
      });
    });
    ws.once("error", reject);
  });
  ws.on("error", () => {});
  const untrack = trackLeftover(() => ws.terminate());

  const next = async (predicate?: (m: WireData) => boolean, timeoutMs = 5000): Promise<WireData> => {
    // First look at what already arrived but was not taken.
    for (const [i, m] of received.entries()) {
      if (taken.has(i)) continue;
      if (!predicate || predicate(m)) {
        taken.add(i);
        return m;
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError("no matching message", timeoutMs);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([
        pending.next(),
        new Promise<"timeout">((res) => {
          timer = setTimeout(() => res("timeout"), left);
        }),
      ]);
      clearTimeout(timer);
      if (r === "timeout") throw new TimeoutError("no matching message", timeoutMs);
      if (r.done) throw new Error("socket closed before a matching message arrived");
      if (taken.has(r.value)) continue;
      const m = received[r.value] as WireData;
      if (!predicate || predicate(m)) {
        taken.add(r.value);
        return m;
      }
    }
  };
  const parse = (m: WireData) => JSON.parse(typeof m === "string" ? m : new TextDecoder().decode(m));
  const close = async (code?: number, reason?: string) => {
    untrack();
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    return closed;
  };
  return {
    ws,
    received,
    next,
    nextJson: async <T>(predicate?: (m: T) => boolean, timeoutMs?: number) => {
      const m = await next((raw) => {
        try {
          return !predicate || predicate(parse(raw));
        } catch {
          return false;
        }
      }, timeoutMs);
      return parse(m) as T;
    },
    send: (data) => ws.send(typeof data === "string" || data instanceof Uint8Array ? data : JSON.stringify(data)),
    closed,
    close,
    [Symbol.asyncDispose]: async () => {
      await close();
    },
  };
}
