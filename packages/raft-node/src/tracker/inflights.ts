/**
 * The bounded window of MsgApps in flight to one follower (etcd raft tracker/inflights.go). In
 * StateReplicate the leader pipelines appends (Raft thesis §10.2.2) but stops when `size` messages or
 * `maxBytes` payload bytes are unacknowledged, so a slow follower cannot make the leader buffer without
 * bound. A ring buffer of (last index, bytes) per message, grown lazily up to `size`.
 */
import { assert } from '../core/assert.js';

export class Inflights {
  /** Ring position of the oldest in-flight message. */
  private start = 0;
  /** Number of in-flight messages; 0 ≤ count ≤ size. */
  private count_ = 0;
  /** Payload bytes in flight. */
  private bytes_ = 0;
  /** Last entry index of each message, at ring positions start..start+count (mod size), ascending. */
  private indexes: Float64Array;
  private sizes: Float64Array;

  /**
   * @param size the most messages in flight (≥ 1)
   * @param maxBytes the most payload bytes in flight, 0 for no byte limit
   */
  constructor(
    readonly size: number,
    readonly maxBytes = 0,
  ) {
    assert(size >= 1, 'inflights: size must be ≥ 1');
    const initial = Math.min(size, 16);
    this.indexes = new Float64Array(initial);
    this.sizes = new Float64Array(initial);
  }

  get count(): number {
    return this.count_;
  }

  get bytes(): number {
    return this.bytes_;
  }

  /** Records a message whose last entry is `index`; indexes must increase. */
  add(index: number, bytes: number): void {
    assert(!this.full(), 'inflights: cannot add into a full window');
    let next = this.start + this.count_;
    if (next >= this.size) next -= this.size;
    if (next >= this.indexes.length) this.grow();
    this.indexes[next] = index;
    this.sizes[next] = bytes;
    this.count_++;
    this.bytes_ += bytes;
  }

  /** Frees every message whose last index is ≤ `to` (they were acknowledged). */
  freeLE(to: number): void {
    if (this.count_ === 0 || to < this.indexes[this.start]!) return;
    let idx = this.start;
    let i = 0;
    let bytes = 0;
    for (; i < this.count_; i++) {
      if (to < this.indexes[idx]!) break;
      bytes += this.sizes[idx]!;
      idx++;
      if (idx >= this.size) idx -= this.size;
    }
    this.count_ -= i;
    this.bytes_ -= bytes;
    this.start = this.count_ === 0 ? 0 : idx;
  }

  /** Whether no more messages may be sent until some are acknowledged. */
  full(): boolean {
    return this.count_ === this.size || (this.maxBytes !== 0 && this.bytes_ >= this.maxBytes);
  }

  /** Drops everything in flight (on a state change of the progress). */
  reset(): void {
    this.count_ = 0;
    this.bytes_ = 0;
    this.start = 0;
  }

  /**
   * Doubles the buffer (up to `size`). Ring positions are taken modulo `size`, not the buffer length, so
   * while the buffer is shorter than `size` nothing has wrapped and a plain copy keeps every position.
   */
  private grow(): void {
    const len = Math.min(this.indexes.length * 2, this.size);
    const indexes = new Float64Array(len);
    const sizes = new Float64Array(len);
    indexes.set(this.indexes);
    sizes.set(this.sizes);
    this.indexes = indexes;
    this.sizes = sizes;
  }
}
