/** A seeded source of floats in [0, 1): same seed, same shoe, same game (tests, replays, bots). */
export type Random = () => number;

/** sfc32 (Small Fast Counter): tiny, fast, passes PractRand; state seeded through splitmix32. */
export function seededRandom(seed: number | string): Random {
  let h = typeof seed === "number" ? seed >>> 0 : hashString(seed);
  const next = () => {
    h = (h + 0x9e3779b9) | 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = next();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A non-reproducible seed for when none is given. */
export function randomSeed(): number {
  return (Math.random() * 4294967296) >>> 0;
}
