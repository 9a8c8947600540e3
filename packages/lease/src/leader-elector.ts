/**
 * Lease-based leader election with fencing tokens (client-go `leaderelection.go`, plus tokens).
 *
 * Why a holder may believe it leads, and why that is safe:
 *   Every successful acquire or renew command was SENT at some local monotonic time `s`. Redis executed it
 *   later, and set the key to expire `leaseDurationMs` after that, by Redis' clock. The holder leads only
 *   while `now < s + renewDeadlineMs` (`leaderUntil`), which is `leaseDurationMs - renewDeadlineMs` earlier
 *   than the key can possibly expire; that margin absorbs clock-rate drift and reply latency. Nobody else
 *   can acquire before the key expires, so two holders never lead at once, as long as both clocks run at
 *   about the same rate. Nothing relies on comparing timestamps across machines, and nothing relies on a
 *   stored "leading" flag: `isLeading()` reads the clock every time, and every wake-up (a timer, a reply)
 *   checks the deadline FIRST. After SIGSTOP/SIGCONT every timer is overdue; whichever runs first sees the
 *   deadline passed and steps down before anything else happens.
 *
 * Why a lease still is not a lock (STYLE.md principle 8): a leader can be paused right after checking
 *   `isLeading()` and act later. Hence every term has a fencing token, strictly greater than any earlier
 *   term's; writes carry it and the receiver refuses tokens older than the newest it has seen.
 *
 * Redis losing its data (restart without AOF): the counter key is gone, so the acquirer cannot know whether
 *   an old holder still believes it leads. It holds the key but starts leading only `leaseDurationMs` after
 *   sending its acquire (the old holder's deadline was < renewDeadlineMs after ITS last renewal, which was
 *   sent before the wipe). Tokens still never go back: the acquire passes the highest token seen and a
 *   wall-clock floor, and the script raises the new counter above both.
 */
import type { Clock, Rng, Timer } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { type LeaderElectorConfig, type LeaseTiming, resolveConfig } from './config.js';
import { LeadershipEndedError } from './errors.js';
import { EventFanout, type LeaderEvent, StopReason } from './events.js';
import { type LeaseHolder, formatLeaseValue } from './lease-value.js';
import type { LeaseRecord, LeaseStore } from './store.js';

export interface LeaderElector {
  readonly identity: string;
  /** Joins the election: acquire, lead, renew, re-acquire, until `release()`/`close()`. Call once. */
  start(): void;
  /** True iff this replica leads right now: its monotonic clock is before `leaderUntil`. Never cached. */
  isLeading(): boolean;
  /** The fencing token of the current term while leading; undefined otherwise. */
  token(): number | undefined;
  /** Reads who holds the lease now (for status displays); rejects with LeaseStoreError if unreachable. */
  getLeader(): Promise<LeaseRecord | undefined>;
  /** started / stopped / newLeader events from now on, until `close()`, `break` or `signal`. */
  events(opts?: { signal?: AbortSignal }): AsyncIterableIterator<LeaderEvent>;
  /** Stops leading and trying, and deletes the key if it is still ours (fast failover on a clean stop). */
  release(): Promise<void>;
  /** `release()`, then closes the store's connection. */
  close(): Promise<void>;
  /** Resolves after `close()`: with the Error if the elector stopped because a callback threw. Never rejects. */
  readonly closed: Promise<Error | undefined>;
}

/** The term this replica holds in the store (leading, or still quarantined). */
interface Hold {
  readonly value: string;
  readonly token: number;
  /** Send time of the last acquire/renew that succeeded + renewDeadlineMs. */
  validUntil: number;
  /** Send time of the last renewal attempt + retryPeriodMs. */
  nextRenewAt: number;
}

/** A term this replica leads: started was reported and stopped was not yet. */
interface Term {
  readonly token: number;
  readonly controller: AbortController;
}

/**
 * Creates an elector; call `start()` to join.
 *
 * @example
 * const elector = createLeaderElector({
 *   store: createRedisLeaseStore({ url, leaseName: 'scheduler', rng, logger }),
 *   identity: `scheduler-${hostname()}-${process.pid}`,
 *   clock: systemClock, rng, logger,
 *   onStartedLeading: ({ signal, token }) => void scheduleLoop(signal, token),
 *   onStoppedLeading: () => logger.info('standing by'),
 * });
 * elector.start();
 * process.once('SIGTERM', () => void elector.close());
 */
export function createLeaderElector(config: LeaderElectorConfig): LeaderElector {
  return new LeaderElectorImpl(config);
}

export class LeaderElectorImpl implements LeaderElector {
  readonly identity: string;
  readonly closed: Promise<Error | undefined>;
  private readonly timing: LeaseTiming;
  private readonly store: LeaseStore;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly logger: Logger;
  private readonly fanout = new EventFanout<LeaderEvent>();
  /** Aborts sleeps when release() begins. */
  private readonly stop = new AbortController();
  /** Invariant: finite iff `term` is set, and then equal to `hold.validUntil`. */
  private leaderUntil = Number.NEGATIVE_INFINITY;
  private term: Term | undefined;
  /** Invariant: `term` set ⇒ `hold` set with the same token. */
  private hold: Hold | undefined;
  /** Value of our latest term that may still be stored: replaced by the next acquire, deleted by release. */
  private lastValue: string | undefined;
  /** Set after acquiring from an empty store: do not lead before this. */
  private quarantineUntil = Number.NEGATIVE_INFINITY;
  private maxSeenToken = 0;
  private observedLeader: string | undefined;
  private deadlineTimer: Timer | undefined;
  private storeDown = false;
  private started = false;
  private loop: Promise<void> = Promise.resolve();
  private releasing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private failure: Error | undefined;
  private resolveClosed: (v: Error | undefined) => void = () => {};

  constructor(private readonly config: LeaderElectorConfig) {
    this.timing = resolveConfig(config);
    this.identity = config.identity;
    this.store = config.store;
    this.clock = config.clock;
    this.rng = config.rng;
    this.logger = config.logger.child({ lease: config.store.leaseName, identity: config.identity });
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  start(): void {
    if (this.started) throw new Error('LeaderElector.start() called twice');
    this.started = true;
    this.logger.info({ event: 'lease_join', ...this.timing }, 'joining leader election');
    this.loop = this.run().catch((err: unknown) => this.fail(err));
  }

  isLeading(): boolean {
    if (this.clock.now() < this.leaderUntil) return true;
    this.checkDeadline();
    return false;
  }

  token(): number | undefined {
    return this.isLeading() ? this.term?.token : undefined;
  }

  async getLeader(): Promise<LeaseRecord | undefined> {
    const record = await this.store.get();
    if (record !== undefined) this.maxSeenToken = Math.max(this.maxSeenToken, record.token);
    return record;
  }

  events(opts: { signal?: AbortSignal } = {}): AsyncIterableIterator<LeaderEvent> {
    return this.fanout.subscribe(opts.signal);
  }

  release(): Promise<void> {
    this.releasing ??= this.doRelease();
    return this.releasing;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.release();
      this.fanout.end();
      await this.store.close();
      this.logger.info({ event: 'lease_closed' }, 'leader elector closed');
      this.resolveClosed(this.failure);
    })();
    return this.closing;
  }

  /** The loop: acquire until held, then tend the hold (quarantine, lead, renew) until it is lost. */
  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      if (this.hold !== undefined) {
        await this.tendHold(this.hold);
      } else if (!(await this.tryAcquire())) {
        await this.sleep(this.timing.retryPeriodMs * (1 + this.timing.retryJitter * this.rng.next()));
      }
    }
  }

  /** One step while holding: deadline check first, then maybe start leading, then sleep or renew. */
  private async tendHold(hold: Hold): Promise<void> {
    if (!this.checkDeadline()) return;
    const now = this.clock.now();
    if (this.term === undefined && now >= this.quarantineUntil) this.becomeLeader(hold);
    const wakeAt =
      this.term !== undefined ? hold.nextRenewAt : Math.min(hold.nextRenewAt, this.quarantineUntil);
    if (wakeAt > now) return this.sleep(wakeAt - now);
    await this.renew(hold);
  }

  /**
   * One acquire attempt. The token floor is the highest token seen, so a wiped counter restarts above it.
   * Returns true if we now hold a fresh term whose deadline has not passed yet.
   */
  private async tryAcquire(): Promise<boolean> {
    const sentAt = this.clock.now();
    const replace = this.lastValue === undefined ? {} : { replaceValue: this.lastValue };
    let result: Awaited<ReturnType<LeaseStore['tryAcquire']>>;
    try {
      result = await this.store.tryAcquire({
        identity: this.identity,
        leaseDurationMs: this.timing.leaseDurationMs,
        minToken: this.maxSeenToken,
        emptyTokenFloor: this.clock.wallNow(),
        ...replace,
      });
    } catch (err) {
      this.noteStoreError('acquire', err);
      return false;
    }
    this.noteStoreOk();
    this.observe(result.holder);
    const value = formatLeaseValue(result.holder);
    if (!result.acquired) {
      if (this.lastValue !== value) this.lastValue = undefined;
      return false;
    }
    this.lastValue = value; // ours in the store until renewed away, replaced, released or expired
    if (this.stop.signal.aborted) return false; // release() deletes it
    if (result.counterWasMissing) {
      this.quarantineUntil = Math.max(this.quarantineUntil, sentAt + this.timing.leaseDurationMs);
      this.logger.warn(
        { event: 'lease_quarantine', token: result.holder.token, quarantineMs: this.timing.leaseDurationMs },
        'token counter was missing (store empty or wiped): waiting one lease duration before leading',
      );
    }
    const validUntil = sentAt + this.timing.renewDeadlineMs;
    if (this.clock.now() >= validUntil) return false; // the reply came too late; the next attempt replaces it
    this.hold = {
      value,
      token: result.holder.token,
      validUntil,
      nextRenewAt: sentAt + this.timing.retryPeriodMs,
    };
    this.armDeadline(validUntil);
    this.logger.info({ event: 'lease_acquired', token: result.holder.token }, 'lease acquired');
    return true;
  }

  /** One renewal. A success extends the deadline from its SEND time; "not ours" steps down at once. */
  private async renew(hold: Hold): Promise<void> {
    const sentAt = this.clock.now();
    // After a fast failure wait a period; after a slow one (a timeout) retry at once.
    hold.nextRenewAt = sentAt + this.timing.retryPeriodMs;
    let renewed: boolean;
    try {
      renewed = await this.store.renew(hold.value, this.timing.leaseDurationMs);
    } catch (err) {
      this.noteStoreError('renew', err);
      return;
    }
    this.noteStoreOk();
    // Deadline first: if it passed while the command was in flight, this term is over even if the renewal
    // succeeded; the key then still holds our old value and the next acquire replaces it with a new term.
    if (!this.checkDeadline() || this.hold !== hold) return;
    if (!renewed) {
      this.logger.warn({ event: 'lease_lost', token: hold.token }, 'lease is no longer ours');
      this.lastValue = undefined;
      this.dropHold(StopReason.Lost);
      return;
    }
    hold.validUntil = sentAt + this.timing.renewDeadlineMs;
    if (this.term !== undefined) this.leaderUntil = hold.validUntil;
    this.armDeadline(hold.validUntil);
  }

  /** Returns true if the hold is still valid; otherwise drops it (stepping down if leading). */
  private checkDeadline(): boolean {
    const hold = this.hold;
    if (hold === undefined) return false;
    if (this.clock.now() < hold.validUntil) return true;
    this.logger.warn(
      { event: 'lease_deadline', token: hold.token, renewDeadlineMs: this.timing.renewDeadlineMs },
      'no renewal succeeded within the renew deadline',
    );
    this.dropHold(StopReason.Deadline);
    return false;
  }

  private dropHold(reason: StopReason): void {
    this.hold = undefined;
    this.deadlineTimer?.cancel();
    this.deadlineTimer = undefined;
    this.stepDown(reason);
  }

  /** (Re)arms the timer that steps down at `at`; it re-arms itself if it fires a fraction early. */
  private armDeadline(at: number): void {
    this.deadlineTimer?.cancel();
    this.deadlineTimer = this.clock.setTimer(at - this.clock.now(), () => {
      this.deadlineTimer = undefined;
      if (this.checkDeadline() && this.hold !== undefined) this.armDeadline(this.hold.validUntil);
    });
  }

  private becomeLeader(hold: Hold): void {
    if (this.term !== undefined) throw new Error('becomeLeader while leading');
    const term: Term = { token: hold.token, controller: new AbortController() };
    this.term = term;
    this.leaderUntil = hold.validUntil;
    this.logger.info({ event: 'leading_started', token: term.token }, 'started leading');
    this.fanout.push({ type: 'started', token: term.token });
    this.invoke('onStartedLeading', () =>
      this.config.onStartedLeading({ signal: term.controller.signal, token: term.token }),
    );
  }

  /** Ends the current term, if any: state first, then the signal, the event and the callback. */
  private stepDown(reason: StopReason): void {
    const term = this.term;
    if (term === undefined) return;
    this.term = undefined;
    this.leaderUntil = Number.NEGATIVE_INFINITY;
    this.logger.info({ event: 'leading_stopped', token: term.token, reason }, 'stopped leading');
    term.controller.abort(new LeadershipEndedError(term.token, reason));
    this.fanout.push({ type: 'stopped', token: term.token, reason });
    this.invoke('onStoppedLeading', () => this.config.onStoppedLeading());
  }

  /** Records a holder seen in the store: raises the token floor and reports identity changes. */
  private observe(holder: LeaseHolder): void {
    this.maxSeenToken = Math.max(this.maxSeenToken, holder.token);
    if (holder.identity === this.observedLeader) return;
    this.observedLeader = holder.identity;
    this.logger.info(
      { event: 'new_leader', leader: holder.identity, token: holder.token },
      'new lease holder',
    );
    this.fanout.push({ type: 'newLeader', identity: holder.identity, token: holder.token });
    const onNewLeader = this.config.onNewLeader;
    if (onNewLeader !== undefined) this.invoke('onNewLeader', () => onNewLeader(holder.identity));
  }

  private async doRelease(): Promise<void> {
    this.stop.abort();
    this.dropHold(StopReason.Released);
    await this.loop; // an in-flight command ends within the store's command timeout
    const value = this.lastValue;
    this.lastValue = undefined;
    if (value === undefined) return;
    try {
      const deleted = await this.store.release(value);
      this.logger.info({ event: 'lease_released', deleted }, 'lease released');
    } catch (err) {
      this.logger.warn(
        { event: 'lease_release_failed', err: errorMessage(err), expiresInMs: this.timing.leaseDurationMs },
        'could not delete the lease; it expires by itself',
      );
    }
  }

  /** A callback that throws is a bug in the caller: log it, leave the election, and report it on `closed`. */
  private invoke(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err, name);
    }
  }

  private fail(err: unknown, where = 'run loop'): void {
    this.logger.error({ event: 'lease_failed', where, err }, 'leader elector failed; leaving the election');
    this.failure ??= err instanceof Error ? err : new Error(String(err));
    void this.close();
  }

  private noteStoreError(op: string, err: unknown): void {
    if (this.storeDown) {
      this.logger.debug({ op, err: errorMessage(err) }, 'lease store still unreachable');
      return;
    }
    this.storeDown = true;
    this.logger.warn({ event: 'lease_store_down', op, err: errorMessage(err) }, 'lease store unreachable');
  }

  private noteStoreOk(): void {
    if (!this.storeDown) return;
    this.storeDown = false;
    this.logger.info({ event: 'lease_store_up' }, 'lease store reachable again');
  }

  /** Sleeps on the clock; returns early (without throwing) when release() begins. */
  private async sleep(ms: number): Promise<void> {
    try {
      await this.clock.sleep(ms, this.stop.signal);
    } catch (err) {
      if (!this.stop.signal.aborted) throw err;
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
