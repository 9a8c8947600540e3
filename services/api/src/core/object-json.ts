/**
 * Each stored object serialized once: a watch event goes to every watcher of its resource (the scheduler,
 * the controller manager and each node watch pods), and serializing the same frozen object once per
 * watcher dominated the fan-out. Stored objects are deep-frozen and never change, so their JSON can be
 * cached by identity; objects that are not frozen (conversions, bookmarks, Statuses) are encoded each time.
 */

const encoder = new TextEncoder();

/** How many encodings are kept: enough for every event of a burst to reach all its watchers. */
export const OBJECT_JSON_CACHE_MAX = 4096;

/**
 * A bounded cache of UTF-8 JSON encodings keyed by object identity (oldest entry evicted first).
 *
 * @example
 * const cache = new ObjectJsonCache();
 * const bytes = cache.encode(storedPod); // the same Uint8Array for every watcher of this event
 */
export class ObjectJsonCache {
  /** frozen object → its JSON bytes; insertion-ordered, at most `capacity` entries. */
  private readonly entries = new Map<object, Uint8Array>();

  constructor(private readonly capacity = OBJECT_JSON_CACHE_MAX) {}

  /** `JSON.stringify(obj)` as UTF-8 bytes; cached when `obj` is frozen. Callers must not modify the bytes. */
  encode(obj: unknown): Uint8Array {
    if (obj === null || typeof obj !== 'object' || !Object.isFrozen(obj)) {
      return encoder.encode(JSON.stringify(obj ?? null));
    }
    const hit = this.entries.get(obj);
    if (hit !== undefined) return hit;
    const bytes = encoder.encode(JSON.stringify(obj));
    this.entries.set(obj, bytes);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return bytes;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The process-wide cache (stored objects are per process; both fronts encode through it). */
export const objectJson = new ObjectJsonCache();
