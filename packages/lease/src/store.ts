/**
 * The lease store: the small interface the elector needs (client-go's resourcelock Get/Create/Update, with
 * fencing). {@link createRedisLeaseStore} is the real one; {@link MemoryLeaseBackend} backs unit tests and
 * simulations. Every operation is atomic on the store's side; every transient failure rejects with a
 * `LeaseStoreError`, and the elector retries.
 */
import type { LeaseHolder } from './lease-value.js';

export interface AcquireRequest {
  readonly identity: string;
  /** TTL to set on the key. */
  readonly leaseDurationMs: number;
  /** The highest token the caller has seen for this lease; the new token is greater. */
  readonly minToken: number;
  /**
   * Only used when the token counter is missing (store wiped): the new token is also greater than this. The
   * elector passes its wall clock in ms, so that a counter restarted from nothing still lands above tokens
   * handed out before the wipe (terms are far rarer than one per millisecond), and fencing consumers that
   * remember the newest token keep accepting the new leader.
   */
  readonly emptyTokenFloor: number;
  /**
   * The exact value of the caller's previous term if it may still be stored (the caller stepped down, but its
   * key had not expired). Such a key is replaced by a new term at once: nobody else can have led meanwhile.
   */
  readonly replaceValue?: string;
}

export type AcquireResult =
  | {
      readonly acquired: true;
      /** This caller with its new token. */
      readonly holder: LeaseHolder;
      /**
       * The token counter did not exist: the store was wiped (or this lease is brand new), so a holder from
       * before the wipe may still believe it leads. The elector quarantines for leaseDurationMs.
       */
      readonly counterWasMissing: boolean;
    }
  | { readonly acquired: false; readonly holder: LeaseHolder; readonly ttlMs: number };

/** The current holder, as read for status displays. */
export interface LeaseRecord extends LeaseHolder {
  /** Milliseconds until the key expires unless renewed (the store's clock). */
  readonly ttlMs: number;
}

export interface LeaseStore {
  /** The lease's name, for logs. */
  readonly leaseName: string;
  /** Creates the key (SET NX PX) with a fresh token if it is absent (or is `replaceValue`), atomically. */
  tryAcquire(req: AcquireRequest): Promise<AcquireResult>;
  /** Extends the key's TTL iff it still holds exactly `value`; false if it does not (lost). */
  renew(value: string, leaseDurationMs: number): Promise<boolean>;
  /** Deletes the key iff it still holds exactly `value`; false if it did not. */
  release(value: string): Promise<boolean>;
  /** Reads the current holder, if any. */
  get(): Promise<LeaseRecord | undefined>;
  /** Releases the connection; no call may follow. */
  close(): Promise<void>;
}
