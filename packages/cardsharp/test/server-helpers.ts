import { connectTestClient, trackLeftover } from "@proj/ws-core/testing";
import { CardsharpServer, type CardsharpServerOptions } from "../src/server/index.js";

export interface Started {
  server: CardsharpServer;
  url: string;
}

/** A CardsharpServer on 127.0.0.1:0 with quick timings; closed by `disposeLeftovers` if a test forgets. */
export async function startServer(options: CardsharpServerOptions = {}): Promise<Started> {
  const server = new CardsharpServer({
    seed: 1,
    ...options,
    timings: { roundPauseMs: 5, bettingTimeMs: 2000, ...options.timings },
  });
  const l = await server.listen({ port: 0 });
  trackLeftover(() => server.close({ graceMs: 100 }));
  return { server, url: l.wsUrl };
}

export type Msg = { type: string; data: any; timestamp?: number };

/**
 * A raw client that speaks the protocol by hand (as upstream's example client does). Messages are taken
 * by position: ws-core's `TestClient.next` keys taken messages by value, so it skips a second identical
 * frame (two `action_received` acks, two equal subscription lists).
 */
export async function rawClient(url: string) {
  const c = await connectTestClient(url);
  const taken = new Set<number>();
  const parsed: Msg[] = [];
  const parse = (i: number): Msg | undefined => {
    if (parsed[i] === undefined) {
      try {
        parsed[i] = JSON.parse(String(c.received[i]));
      } catch {
        return undefined;
      }
    }
    return parsed[i];
  };
  const next = (pred: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> =>
    new Promise((resolve, reject) => {
      let scanned = 0;
      const scan = (): boolean => {
        for (; scanned < c.received.length; scanned++) {
          const m = parse(scanned);
          if (!taken.has(scanned) && m && pred(m)) {
            taken.add(scanned);
            resolve(m);
            return true;
          }
        }
        return false;
      };
      if (scan()) return;
      const onMessage = () => {
        if (scan()) done();
      };
      const onClose = () => {
        done();
        reject(new Error("socket closed before a matching message arrived"));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        c.ws.off("message", onMessage);
        c.ws.off("close", onClose);
      };
      // Listeners added after the test client's own, so `received` already holds the new frame.
      c.ws.on("message", onMessage);
      c.ws.on("close", onClose);
    });
  return Object.assign(c, {
    next: undefined as never,
    nextJson: <T = Msg>(pred: (m: T) => boolean = () => true, timeoutMs?: number) =>
      next(pred as unknown as (m: Msg) => boolean, timeoutMs) as unknown as Promise<T>,
    /** The next message of `type` (and matching `pred`). */
    expect: (type: string, pred: (m: Msg) => boolean = () => true, timeoutMs = 5000) =>
      next((m) => m.type === type && pred(m), timeoutMs),
    /** The next `event` of `eventType`. */
    event: (eventType: string, pred: (d: any) => boolean = () => true, timeoutMs = 5000) =>
      next((m) => m.type === "event" && m.data.event_type === eventType && pred(m.data.data), timeoutMs),
    /** Sends connect and waits for `connected {client_id}`. */
    async connect(clientId?: string) {
      c.send({ type: "connect", data: clientId === undefined ? {} : { client_id: clientId } });
      return next((m) => m.type === "connected" && typeof m.data.client_id === "string");
    },
    /** Sends subscribe and waits for its ack. */
    async subscribe(eventTypes: string[]) {
      c.send({ type: "subscribe", data: { event_types: eventTypes } });
      return next((m) => m.type === "connected" && Array.isArray(m.data.subscriptions));
    },
    /** Parsed messages received so far. */
    all: () => c.received.map((_m, i) => parse(i)).filter((m): m is Msg => m !== undefined),
  });
}

export type RawClient = Awaited<ReturnType<typeof rawClient>>;
