import { CardsharpServer } from "@proj/cardsharp/server";
import type { MountContext, Mounted } from "../mount.js";

export const CARDSHARP_PATH = "/cardsharp";

/** A blackjack table with two basic-strategy bots; the page's client takes a seat beside them. */
export async function mountBlackjack(ctx: MountContext): Promise<Mounted> {
  const table = new CardsharpServer({
    access: ctx.access,
    bots: 2,
    autoSeat: false,
    // A visitor who closes the tab mid-turn is played STAND after a 5 s grace (a reload resumes the seat
    // with its token within seatHoldMs); the seat is gone soon after, so the table never waits on them.
    timings: {
      roundPauseMs: 2500,
      bettingTimeMs: 15_000,
      decisionTimeoutMs: 60_000,
      disconnectGraceMs: 5000,
      seatHoldMs: 10_000,
    },
  });
  return {
    name: "cardsharp",
    routes: { [CARDSHARP_PATH]: table },
    info: { path: CARDSHARP_PATH },
    close: () => table.close(),
  };
}
