// A small seedable random source (mulberry32) and the picks the fuzz tests make with it, so a failure can be
// replayed from its seed.

export type Random = () => number;

export function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks bound to one random source. */
export function picker(random: Random) {
  const int = (n: number) => Math.floor(random() * n);
  return {
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)]!,
    chance: (p: number) => random() < p,
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => int(256))),
    /** Printable ASCII, as header values must be on the wire. */
    ascii: (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + int(95))).join(''),
  };
}
