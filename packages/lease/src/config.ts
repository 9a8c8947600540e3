/**
 * Leader election configuration and its validation (client-go `NewLeaderElector`): timing invariants are
 * checked once, at construction, so a misconfigured replica fails at start instead of electing two leaders.
 */
import type { Clock, Rng } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { LeaseConfigError } from './errors.js';
import { isValidIdentity } from './lease-value.js';
import type { LeaseStore } from './store.js';

/**
 * Defaults, chosen so a SIGKILLed leader is replaced in well under 2 s (client-go's 15 s / 10 s / 2 s take ~15 s):
 * - `leaseDurationMs` 1000: the key's TTL, so the worst-case wait after a crash is ~1 s plus one retry period.
 * - `renewDeadlineMs` 700: a holder stops leading 700 ms after the last renewal it SENT that succeeded, which
 *   leaves 300 ms of margin before the key can expire for clock-rate drift and scheduling delays.
 * - `retryPeriodMs` 200: renew 3 times per deadline, so one or two slow or failed renewals don't cost leadership;
 *   contenders poll the key at this period too (times 1..1+`retryJitter`), so failover waits at most ~240 ms
 *   after expiry.
 * - `retryJitter` 0.2: spreads contenders' polls (client-go uses JitterFactor 1.2 on the retry period).
 */
export const LeaseDefaults = {
  leaseDurationMs: 1000,
  renewDeadlineMs: 700,
  retryPeriodMs: 200,
  retryJitter: 0.2,
} as const;

/** Handed to {@link LeaderElectorConfig.onStartedLeading} at the start of every term. */
export interface LeadingContext {
  /** Aborts exactly when this term's leadership ends (renew lost or deadline passed, release, close). */
  readonly signal: AbortSignal;
  /** The fencing token of this term: attach it to every write the leader makes (STYLE.md principle 8). */
  readonly token: number;
}

export interface LeaderElectorConfig {
  /** Where the lease lives; the elector owns it and closes it in `close()`. */
  readonly store: LeaseStore;
  /** This replica's identity, unique among live contenders (e.g. `scheduler-<host>-<pid>`); no whitespace. */
  readonly identity: string;
  /** Monotonic time for every leadership judgement, and the timers. */
  readonly clock: Clock;
  /** Jitter of the acquire retries. */
  readonly rng: Rng;
  readonly logger: Logger;
  /** TTL of the lease key, refreshed by every renewal. Also the quarantine after an empty store. */
  readonly leaseDurationMs?: number;
  /** A leader stops leading this long after sending the last renewal that succeeded. < leaseDurationMs. */
  readonly renewDeadlineMs?: number;
  /** Period of renewals while holding, and of acquire attempts (plus jitter) while not. */
  readonly retryPeriodMs?: number;
  /** Acquire attempts wait retryPeriodMs × (1 + retryJitter × U[0,1)). */
  readonly retryJitter?: number;
  /** Called when this replica starts leading; the work it starts must stop when `ctx.signal` aborts. */
  readonly onStartedLeading: (ctx: LeadingContext) => void;
  /** Called when leading stops; always after a matching `onStartedLeading`, exactly once per term. */
  readonly onStoppedLeading: () => void;
  /** Called when the observed holder's identity changes (including to this replica). */
  readonly onNewLeader?: (identity: string) => void;
}

/** The four timing knobs after defaults. */
export interface LeaseTiming {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly retryJitter: number;
}

/**
 * Applies defaults and checks every invariant the elector relies on; throws {@link LeaseConfigError}.
 *
 * leaseDurationMs > renewDeadlineMs: the holder must give up before its key can expire and be taken.
 * renewDeadlineMs > retryPeriodMs × (1 + retryJitter): at least one renewal attempt fits in every deadline
 * (client-go requires RenewDeadline > JitterFactor × RetryPeriod).
 */
export function resolveConfig(config: LeaderElectorConfig): LeaseTiming {
  const timing: LeaseTiming = {
    leaseDurationMs: config.leaseDurationMs ?? LeaseDefaults.leaseDurationMs,
    renewDeadlineMs: config.renewDeadlineMs ?? LeaseDefaults.renewDeadlineMs,
    retryPeriodMs: config.retryPeriodMs ?? LeaseDefaults.retryPeriodMs,
    retryJitter: config.retryJitter ?? LeaseDefaults.retryJitter,
  };
  for (const key of ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs'] as const) {
    const v = timing[key];
    if (!Number.isFinite(v) || v <= 0) throw new LeaseConfigError(key, `${key} must be > 0, got ${v}`);
  }
  if (!Number.isFinite(timing.retryJitter) || timing.retryJitter < 0) {
    throw new LeaseConfigError('retryJitter', `retryJitter must be >= 0, got ${timing.retryJitter}`);
  }
  if (timing.leaseDurationMs <= timing.renewDeadlineMs) {
    throw new LeaseConfigError(
      'leaseDurationMs',
      `leaseDurationMs (${timing.leaseDurationMs}) must be greater than renewDeadlineMs (${timing.renewDeadlineMs})`,
    );
  }
  const retryMax = timing.retryPeriodMs * (1 + timing.retryJitter);
  if (timing.renewDeadlineMs <= retryMax) {
    throw new LeaseConfigError(
      'renewDeadlineMs',
      `renewDeadlineMs (${timing.renewDeadlineMs}) must be greater than retryPeriodMs × (1 + retryJitter) (${retryMax})`,
    );
  }
  if (!isValidIdentity(config.identity)) {
    throw new LeaseConfigError(
      'identity',
      `identity must be 1-256 non-whitespace characters, got "${config.identity}"`,
    );
  }
  if (typeof config.onStartedLeading !== 'function' || typeof config.onStoppedLeading !== 'function') {
    throw new LeaseConfigError('onStartedLeading', 'onStartedLeading and onStoppedLeading are required');
  }
  return timing;
}
