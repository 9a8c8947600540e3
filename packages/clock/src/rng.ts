/**
 * Randomness as a dependency: every random choice in kubelab goes through an {@link Rng} so that a seed
 * replays it exactly.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
}

/**
 * A small, fast, seedable generator (mulberry32). Not cryptographic; good enough for jitter, election
 * timeouts and simulated faults.
 *
 * @example
 * const rng = seededRng(42);
 * rng.int(1, 6); // the same sequence for seed 42 on every run
 */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

/** A generator seeded from the process' entropy; for `main.ts` only. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
