import type { Rng } from '@kubelab/clock';

/** True with probability `p`. */
export function chance(rng: Rng, p: number): boolean {
  return p > 0 && rng.next() < p;
}

/** A uniformly chosen element; throws on an empty list (a bug in the caller). */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[rng.int(0, items.length - 1)]!;
}

/** A uniformly random float in [min, max). */
export function between(rng: Rng, min: number, max: number): number {
  return min + rng.next() * (max - min);
}

/** The items in a random order (Fisher–Yates); does not modify `items`. */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
