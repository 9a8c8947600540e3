/**
 * Callers waiting until a log index is applied, kept in a binary min-heap by index: releasing the reached
 * ones costs O(k log n) for k released, where scanning a list cost O(n) per applied entry (hundreds of
 * forwarded writes wait at once under load).
 */
export interface IndexWaiter {
  readonly index: number;
  /** Called once, when the index is reached or the waiter is dropped. */
  readonly release: () => void;
}

export class IndexWaiters {
  private readonly heap: IndexWaiter[] = [];

  get size(): number {
    return this.heap.length;
  }

  add(w: IndexWaiter): void {
    const h = this.heap;
    h.push(w);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.index <= w.index) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = w;
  }

  /** Removes and releases every waiter whose index is ≤ `applied`, lowest index first. */
  releaseUpTo(applied: number): void {
    const h = this.heap;
    while (h.length > 0 && h[0]!.index <= applied) {
      const top = h[0]!;
      this.removeAt(0);
      top.release();
    }
  }

  /** Removes `w` without releasing it (its timeout fired). */
  remove(w: IndexWaiter): void {
    const i = this.heap.indexOf(w);
    if (i >= 0) this.removeAt(i);
  }

  private removeAt(i: number): void {
    const h = this.heap;
    const last = h.pop()!;
    if (i === h.length) return;
    h[i] = last;
    // Sift up, then down: the moved element may belong on either side of position i.
    let at = i;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (h[parent]!.index <= last.index) break;
      h[at] = h[parent]!;
      at = parent;
    }
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let min = at;
      let minIndex = last.index;
      if (l < h.length && h[l]!.index < minIndex) {
        min = l;
        minIndex = h[l]!.index;
      }
      if (r < h.length && h[r]!.index < minIndex) min = r;
      if (min === at) break;
      h[at] = h[min]!;
      at = min;
    }
    h[at] = last;
  }
}
