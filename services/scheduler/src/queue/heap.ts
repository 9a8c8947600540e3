/** A binary min-heap by `less`, with lazy removal: callers mark entries dead and `pop`/`peek` skip them. */
export class Heap<T extends { dead: boolean }> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;
  #live = 0;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  /** Live entries. */
  get size(): number {
    return this.#live;
  }

  push(item: T): void {
    const a = this.#items;
    a.push(item);
    this.#live++;
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ai = a[i] as T;
      const ap = a[p] as T;
      if (!this.#less(ai, ap)) break;
      a[i] = ap;
      a[p] = ai;
      i = p;
    }
  }

  /** Marks `item` dead (it must be in the heap and live). */
  kill(item: T): void {
    if (item.dead) return;
    item.dead = true;
    this.#live--;
  }

  peek(): T | undefined {
    this.#dropDead();
    return this.#items[0];
  }

  pop(): T | undefined {
    this.#dropDead();
    const top = this.#popRaw();
    if (top) this.#live--;
    return top;
  }

  #dropDead(): void {
    while (this.#items.length > 0 && (this.#items[0] as T).dead) this.#popRaw();
  }

  #popRaw(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.#less(a[l] as T, a[m] as T)) m = l;
      if (r < a.length && this.#less(a[r] as T, a[m] as T)) m = r;
      if (m === i) break;
      const t = a[i] as T;
      a[i] = a[m] as T;
      a[m] = t;
      i = m;
    }
    return top;
  }
}
