import { simulate } from "./src/engine/index.js";
const t = performance.now();
const b = simulate({ seed: 1, hands: 1_000_000, rules: { decks: 6, surrender: false, doubleAfterSplit: true } });
console.log(
  "s17",
  b.houseEdgePercent.toFixed(3),
  b.standardErrorPercent.toFixed(3),
  b.sdPerHand.toFixed(3),
  (performance.now() - t).toFixed(0),
  b.rates,
);
const h = simulate({ seed: 1, hands: 1_000_000, strategy: "hilo", rules: { decks: 6, surrender: true } });
console.log("hilo", h.houseEdgePercent.toFixed(3), h.standardErrorPercent.toFixed(3), h.unitsPer100.toFixed(2));
const bb = simulate({ seed: 1, hands: 1_000_000, strategy: "basic", rules: { decks: 6, surrender: true } });
console.log("basic ls", bb.houseEdgePercent.toFixed(3), bb.standardErrorPercent.toFixed(3), bb.unitsPer100.toFixed(2));
