import { BlackjackEngine, basicStrategy } from "./src/engine/index.js";
function run(label: string, opts: any, hands: number) {
  const n = 0;
  const engine = new BlackjackEngine({ seed: 1, gameId: "s", ...opts });
  const s = basicStrategy(engine.rules);
  const id = engine.addPlayer({ name: "x", balance: 1e9 });
  const t = performance.now();
  for (let i = 0; i < hands; i++) {
    engine.startRound();
    engine.placeBet(id, 5);
    engine.deal();
    for (let d = engine.decision; d; d = engine.decision) engine.act(id, s(d));
  }
  console.log(label, Math.round(hands / ((performance.now() - t) / 1000)));
}
const sink = () => {};
for (let k = 0; k < 2; k++) {
  run("none", {}, 300000);
  run("events", { onEvent: sink }, 300000);
  run("events-noui", { onEvent: sink, uiUpdates: false }, 300000);
  run("events-noui-clock0", { onEvent: sink, uiUpdates: false, clock: () => 0 }, 300000);
}
