import { type Action, type ActionRequestData, CardsharpClient } from "@proj/cardsharp/client";
import { wsOrigin } from "../info.js";
import { el, logLine, panelHeader, statusChip } from "../status.js";

type Snapshot = NonNullable<CardsharpClient["state"]>;
const ACTIONS: Action[] = ["HIT", "STAND", "DOUBLE", "SPLIT", "SURRENDER", "INSURANCE", "NO_INSURANCE"];

function card(c: string | null, hidden = false): HTMLElement {
  if (hidden || !c) return el("span", { className: "card hidden", textContent: "?", dataset: { card: "hidden" } });
  const red = /[♥♦]/.test(c);
  return el("span", { className: `card${red ? " red" : ""}`, textContent: c, dataset: { card: c } });
}

/**
 * Blackjack panel: the CardSharp browser client takes a seat against the table's bots. The person is
 * asked for actions through `action_request` (only the valid ones are enabled) and sees every card,
 * with the dealer's hole card hidden until CARD_REVEALED.
 */
export async function mountBlackjackPanel(panel: HTMLElement, info: { path: string }): Promise<void> {
  const chip = statusChip();
  panelHeader(
    panel,
    {
      title: "Blackjack",
      what: "A casino blackjack table shared with two bots and anyone else who opens this page.",
      tryThis: "Set a bet; when it is your turn, pick a move.",
      pkg: "cardsharp",
      details:
        "cardsharp: JSON events on /cardsharp (ROUND_STARTED, CARD_DEALT, HAND_RESULT...), action_request/player_action for your decisions.",
    },
    chip.el,
  );
  const dealer = el("div", { className: "cards", dataset: { role: "dealer-cards" } });
  const dealerValue = el("span", { className: "muted" });
  const seats = el("div", { dataset: { role: "seats" } });
  const prompt = el("div", { className: "muted", dataset: { role: "prompt" }, textContent: "Waiting for a seat…" });
  const bet = el("input", { type: "number", value: "10", min: "5", step: "5", style: "width:64px" });
  const buttons = new Map<Action, HTMLButtonElement>(
    ACTIONS.map((a) => [
      a,
      el("button", { textContent: a.replace("_", " ").toLowerCase(), disabled: true, dataset: { action: a } }),
    ]),
  );
  const results = el("div", { dataset: { role: "results" }, className: "muted" });
  const log = el("div", { className: "log", dataset: { role: "blackjack-log" } });
  log.style.height = "90px";
  panel.append(
    el("div", { className: "muted" }, "Dealer ", dealerValue),
    dealer,
    seats,
    el(
      "div",
      { className: "toolbar" },
      el("span", { className: "muted", textContent: "bet" }),
      bet,
      ...buttons.values(),
    ),
    prompt,
    results,
    log,
  );

  // The client keeps its id and resume token in sessionStorage: a reload gets the seat back, another tab is
  // another player.
  const client = new CardsharpClient({
    url: `${wsOrigin()}${info.path}`,
    subscribe: ["*"],
    // A name of its own per visitor, so two people at the table can tell their seats apart.
    join: { name: `Guest ${Math.random().toString(36).slice(2, 6).toUpperCase()}` },
    bet: ({ minBet, maxBet, balance }) =>
      Math.max(minBet, Math.min(maxBet, balance ?? maxBet, Number(bet.value) || minBet)),
  });
  let request: ActionRequestData | undefined;

  const render = (s: Snapshot | undefined) => {
    if (!s) return;
    // While the hole card is hidden the snapshot holds only the up card: draw the hole card face down.
    const shown = s.dealer.hand.map((c, i) => card(c, s.dealer.hide_second_card && i === 1));
    if (s.dealer.hide_second_card && s.dealer.hand.length === 1) shown.push(card(null, true));
    dealer.replaceChildren(...shown);
    dealerValue.textContent = s.dealer.hand.length
      ? `(${s.dealer.hide_second_card ? "showing " : ""}${s.dealer.value})`
      : "";
    seats.replaceChildren(
      ...s.players.map((p) => {
        const me = p.player_id === client.seat?.player_id;
        return el(
          "div",
          { className: `seat${me ? " me" : ""}`, dataset: { player: p.name, me: String(me) } },
          el(
            "div",
            {},
            p.name,
            ...(me ? [el("span", { className: "you", textContent: "you" })] : []),
            " · bankroll ",
            el("b", { textContent: String(p.balance), dataset: { role: "balance" } }),
          ),
          ...p.hands.map((h) =>
            el(
              "div",
              { className: "cards" },
              ...h.cards.map((c) => card(c)),
              el("span", {
                className: "muted",
                textContent: ` ${h.value} · bet ${h.bet}${h.result ? ` · ${h.result}` : ""}`,
              }),
            ),
          ),
        );
      }),
    );
  };
  const setRequest = (r: ActionRequestData | undefined) => {
    request = r;
    for (const [a, b] of buttons) b.disabled = !r?.valid_actions.includes(a);
    prompt.textContent = r
      ? `Your move: ${r.cards?.join(" ") ?? ""} (${r.hand_value ?? "?"}) vs dealer ${r.dealer_upcard ?? "?"} — ${r.valid_actions.join(", ")}`
      : client.seat
        ? "Waiting for the next decision…"
        : "Taking a seat…";
  };
  for (const [a, b] of buttons) {
    b.addEventListener("click", async () => {
      if (!request) return;
      const id = request.request_id;
      setRequest(undefined);
      try {
        await client.act(a, id);
        logLine(log, `you: ${a}`);
      } catch (err) {
        logLine(log, `refused: ${(err as Error).message}`);
      }
    });
  }
  client.on("status", (s) => chip.set(s));
  client.on("connected", (c) => {
    render(client.state);
    if (c.seat) logLine(log, `seated as ${c.seat.player_name} (${c.resumed ? "resumed" : "new"})`);
  });
  client.on("action_request", (r) => setRequest(r));
  client.on("error", (e) => logLine(log, `error: ${e.message}`));
  client.on("event", (ev) => {
    const d = ev.data as Record<string, unknown>;
    if (ev.event_type === "UI_UPDATE_NEEDED") render(d.state as Snapshot);
    if (ev.event_type === "CARD_REVEALED") {
      logLine(log, `dealer reveals ${d.card}`);
      if (client.state) render({ ...client.state, dealer: { ...client.state.dealer, hide_second_card: false } });
    }
    if (ev.event_type === "HAND_RESULT")
      logLine(log, `${d.player_name ?? d.player_id}: ${d.result} (payout ${d.payout})`);
    if (ev.event_type === "ROUND_ENDED") {
      const r = d.results as Record<string, { name: string; balance: number; net: number }>;
      results.textContent = `Round ${d.round_number}: ${Object.values(r)
        .map((x) => `${x.name} ${x.net >= 0 ? "+" : ""}${x.net} → ${x.balance}`)
        .join(" · ")}`;
      results.dataset.round = String(d.round_number);
      setRequest(undefined);
    }
    if (ev.event_type === "ROUND_STARTED") {
      results.dataset.started = String(d.round_number);
      logLine(log, `round ${d.round_number} started`);
    }
  });
  await client.connected();
  setRequest(undefined);
}
