/**
 * The scheduling queue (kube-scheduler internal/queue `PriorityQueue`): three places a pending pod can be.
 * - activeQ: pods to try now, highest priority first, then first-in first-out;
 * - backoffQ: pods that failed and wait out their back-off (1 s doubling to 10 s per attempt) before activeQ;
 * - unschedulable: pods no node could take; a cluster event that could help (node added or changed, a pod
 *   deleted) moves them back to activeQ (or backoffQ while backing off), and any left there longer than
 *   {@link QueueConfig.unschedulableMaxMs} are moved anyway.
 * A pod is in at most one of them, or popped (in flight) while its cycle runs. A move request seen during a pod's
 * cycle sends it to backoffQ rather than unschedulable, so an event that raced with the cycle is not missed.
 */
import { type Clock, type Timer, repeat } from '@kubelab/clock';
import type { PodInfo } from '../framework/pod-info.js';
import { Heap } from './heap.js';

/** A pod in the queue with its attempt history. */
export interface QueuedPodInfo {
  podInfo: PodInfo;
  /** When it last entered a queue (monotonic ms); FIFO order and back-off start from it. */
  timestamp: number;
  /** Scheduling attempts so far (pop increments). */
  attempts: number;
  readonly initialAttemptTimestamp: number;
}

export interface QueueConfig {
  readonly clock: Clock;
  /** Default 1000. */
  readonly initialBackoffMs?: number;
  /** Default 10_000. */
  readonly maxBackoffMs?: number;
  /** Default 60_000 (kube-scheduler's podMaxInUnschedulablePodsDuration before 1.27). */
  readonly unschedulableMaxMs?: number;
}

/** Which cluster event asks for a move (logs and tests). */
export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'AssignedPodDelete' | 'AssignedPodUpdate' | 'Flush';

interface Entry {
  readonly qp: QueuedPodInfo;
  readonly seq: number;
  dead: boolean;
}

export class SchedulingQueue {
  readonly #clock: Clock;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #unschedulableMaxMs: number;
  readonly #active = new Heap<Entry>(
    (a, b) =>
      a.qp.podInfo.priority > b.qp.podInfo.priority ||
      (a.qp.podInfo.priority === b.qp.podInfo.priority &&
        (a.qp.timestamp < b.qp.timestamp || (a.qp.timestamp === b.qp.timestamp && a.seq < b.seq))),
  );
  readonly #backoff = new Heap<Entry>((a, b) => {
    const ea = this.#backoffExpiry(a.qp);
    const eb = this.#backoffExpiry(b.qp);
    return ea < eb || (ea === eb && a.seq < b.seq);
  });
  /** Live entries of activeQ and backoffQ by pod key, with which heap holds them. */
  readonly #queued = new Map<string, { entry: Entry; inActive: boolean }>();
  readonly #unschedulable = new Map<string, QueuedPodInfo>();
  readonly #inFlight = new Set<string>();
  #seq = 0;
  #schedulingCycle = 0;
  #moveRequestCycle = -1;
  #waiters: (() => void)[] = [];

  constructor(cfg: QueueConfig) {
    this.#clock = cfg.clock;
    this.#initialBackoffMs = cfg.initialBackoffMs ?? 1000;
    this.#maxBackoffMs = cfg.maxBackoffMs ?? 10_000;
    this.#unschedulableMaxMs = cfg.unschedulableMaxMs ?? 60_000;
  }

  /** Sizes of the three queues and the pods in flight. */
  stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return {
      active: this.#active.size,
      backoff: this.#backoff.size,
      unschedulable: this.#unschedulable.size,
      inFlight: this.#inFlight.size,
    };
  }

  /** The number of pops so far; a pod's cycle number is the value right after its pop. */
  get schedulingCycle(): number {
    return this.#schedulingCycle;
  }

  /** A new pending pod (or a newer copy of a known one). */
  add(pi: PodInfo): void {
    if (this.#has(pi.key)) {
      this.update(pi);
      return;
    }
    if (this.#inFlight.has(pi.key)) return;
    const now = this.#clock.now();
    this.#pushActive({ podInfo: pi, timestamp: now, attempts: 0, initialAttemptTimestamp: now });
  }

  /**
   * A pending pod changed. An unschedulable one gets another chance when more than its status changed (its
   * spec or labels may now fit; a status-only change is usually the scheduler's own condition write).
   */
  update(pi: PodInfo, specChanged = true): void {
    const q = this.#queued.get(pi.key);
    if (q) {
      q.entry.qp.podInfo = pi;
      return;
    }
    const u = this.#unschedulable.get(pi.key);
    if (u && !specChanged) {
      u.podInfo = pi;
      return;
    }
    if (u) {
      this.#unschedulable.delete(pi.key);
      u.podInfo = pi;
      this.#requeue(u);
      return;
    }
    if (this.#inFlight.has(pi.key)) return;
    this.add(pi);
  }

  /** The pod is gone (deleted, or bound by someone). */
  delete(key: string): void {
    const q = this.#queued.get(key);
    if (q) {
      (q.inActive ? this.#active : this.#backoff).kill(q.entry);
      this.#queued.delete(key);
    }
    this.#unschedulable.delete(key);
  }

  /** Whether the pod is in any of the three queues. */
  has(key: string): boolean {
    return this.#has(key);
  }

  #has(key: string): boolean {
    return this.#queued.has(key) || this.#unschedulable.has(key);
  }

  /** The next pod to schedule, waiting for one; undefined once `signal` aborts. Call {@link done} after. */
  async pop(signal: AbortSignal): Promise<QueuedPodInfo | undefined> {
    for (;;) {
      if (signal.aborted) return undefined;
      const e = this.#active.pop();
      if (e) {
        this.#queued.delete(e.qp.podInfo.key);
        this.#schedulingCycle++;
        e.qp.attempts++;
        this.#inFlight.add(e.qp.podInfo.key);
        return e.qp;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiters.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  /** The pod's cycle is over (bound, requeued or dropped). */
  done(key: string): void {
    this.#inFlight.delete(key);
  }

  /**
   * A pod no node could take, back from its cycle `podCycle`: to backoffQ if a move request came in during the
   * cycle, else to the unschedulable pool. Ignored if the pod is already queued again.
   */
  addUnschedulable(qp: QueuedPodInfo, podCycle: number): void {
    const key = qp.podInfo.key;
    this.#inFlight.delete(key);
    if (this.#has(key)) return;
    qp.timestamp = this.#clock.now();
    if (this.#moveRequestCycle >= podCycle) this.#pushBackoff(qp);
    else this.#unschedulable.set(key, qp);
  }

  /** A pod whose cycle failed with an error (api unavailable …): back-off, then try again. */
  addBackoff(qp: QueuedPodInfo): void {
    const key = qp.podInfo.key;
    this.#inFlight.delete(key);
    if (this.#has(key)) return;
    qp.timestamp = this.#clock.now();
    this.#pushBackoff(qp);
  }

  /** A cluster event that could make unschedulable pods fit: all of them get another chance. */
  moveAllToActiveOrBackoff(_event: ClusterEvent): void {
    for (const qp of this.#unschedulable.values()) this.#requeue(qp);
    this.#unschedulable.clear();
    this.#moveRequestCycle = this.#schedulingCycle;
  }

  /** Moves pods whose back-off is over to activeQ (runs every second). */
  flushBackoffCompleted(): void {
    const now = this.#clock.now();
    for (let e = this.#backoff.peek(); e && this.#backoffExpiry(e.qp) <= now; e = this.#backoff.peek()) {
      this.#backoff.pop();
      this.#queued.delete(e.qp.podInfo.key);
      this.#pushActive(e.qp, e.qp.timestamp);
    }
  }

  /** Moves pods unschedulable for longer than the limit (runs every 30 s). */
  flushUnschedulableLeftover(): void {
    const now = this.#clock.now();
    for (const [key, qp] of this.#unschedulable) {
      if (now - qp.timestamp < this.#unschedulableMaxMs) continue;
      this.#unschedulable.delete(key);
      this.#requeue(qp);
    }
  }

  /** Runs the periodic flushes until `signal` aborts, then wakes every waiting pop. */
  run(signal: AbortSignal): void {
    const timers: Timer[] = [
      repeat(this.#clock, 1000, () => this.flushBackoffCompleted()),
      repeat(this.#clock, 30_000, () => this.flushUnschedulableLeftover()),
    ];
    const stop = () => {
      for (const t of timers) t.cancel();
      this.#wake();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  }

  /** The back-off of a pod after `attempts` failures: initial × 2^(attempts−1), at most the maximum. */
  backoffDurationMs(qp: QueuedPodInfo): number {
    let d = this.#initialBackoffMs;
    for (let i = 1; i < qp.attempts; i++) {
      d *= 2;
      if (d >= this.#maxBackoffMs) return this.#maxBackoffMs;
    }
    return Math.min(d, this.#maxBackoffMs);
  }

  #backoffExpiry(qp: QueuedPodInfo): number {
    return qp.timestamp + this.backoffDurationMs(qp);
  }

  #requeue(qp: QueuedPodInfo): void {
    if (this.#backoffExpiry(qp) > this.#clock.now()) this.#pushBackoff(qp);
    else this.#pushActive(qp, qp.timestamp);
  }

  #pushActive(qp: QueuedPodInfo, timestamp = qp.timestamp): void {
    qp.timestamp = timestamp;
    const entry: Entry = { qp, seq: this.#seq++, dead: false };
    this.#active.push(entry);
    this.#queued.set(qp.podInfo.key, { entry, inActive: true });
    this.#wake();
  }

  #pushBackoff(qp: QueuedPodInfo): void {
    const entry: Entry = { qp, seq: this.#seq++, dead: false };
    this.#backoff.push(entry);
    this.#queued.set(qp.podInfo.key, { entry, inActive: false });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
