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

export type Msg = { type: string; data: any; timestamp?: number; seq?: number };

/** A raw client that speaks the protocol by hand (as upstream's example client does), on ws-core's test client. */
export async function rawClient(url: string, options?: Parameters<typeof connectTestClient>[1]) {
  const c = await connectTestClient(url, options);
  const next = (pred: (m: Msg) => boolean, timeoutMs?: number) => c.nextJson<Msg>(pred, timeoutMs);
  return Object.assign(c, {
    /** The next message of `type` (and matching `pred`). */
    expect: (type: string, pred: (m: Msg) => boolean = () => true, timeoutMs?: number) =>
      next((m) => m.type === type && pred(m), timeoutMs),
    /** The next `event` of `eventType`. */
    event: (eventType: string, pred: (d: any) => boolean = () => true, timeoutMs?: number) =>
      next((m) => m.type === "event" && m.data.event_type === eventType && pred(m.data.data), timeoutMs),
    /** Sends connect (with the id's resume token, to take a known id back) and waits for `connected {client_id}`. */
    async connect(clientId?: string, resumeToken?: string) {
      const data: Record<string, string> = {};
      if (clientId !== undefined) data.client_id = clientId;
      if (resumeToken !== undefined) data.resume_token = resumeToken;
      c.send({ type: "connect", data });
      return next((m) => m.type === "connected" && typeof m.data.client_id === "string");
    },
    /** Sends subscribe and waits for its ack. */
    async subscribe(eventTypes: string[]) {
      c.send({ type: "subscribe", data: { event_types: eventTypes } });
      return next((m) => m.type === "connected" && Array.isArray(m.data.subscriptions));
    },
    /** Bets `amount` at every ROUND_STARTED until an action_request comes (a natural or dealer blackjack may end a round first). */
    async betUntilRequest(amount: number): Promise<Msg> {
      for (;;) {
        const m = await next(
          (x) => x.type === "action_request" || (x.type === "event" && x.data.event_type === "ROUND_STARTED"),
        );
        if (m.type === "action_request") return m;
        c.send({ type: "action", data: { action: "place_bet", data: { amount } } });
      }
    },
    /** Parsed messages received so far. */
    all: (): Msg[] => c.received.map((m) => JSON.parse(String(m)) as Msg),
  });
}

export type RawClient = Awaited<ReturnType<typeof rawClient>>;
