/**
 * Mirrors the Redis lease a leader holds as a coordination.k8s.io/v1 Lease object (in kube-system by default), so
 * `kubectl get lease -n kube-system` shows who leads, as it does for kube-scheduler and kube-controller-manager.
 * The Redis lease is the authority (and carries the fencing token); the object is a view written by the leader
 * with its fenced client, so an ex-leader's late write is refused by the api.
 */
import { type ApiClient, isAlreadyExists, isConflict, isNotFound, resources } from '@kubelab/api-client';
import type { Lease } from '@kubelab/api-types';
import type { Clock } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { microTime } from './time.js';

export interface LeaseMirrorConfig {
  /** A client whose writes carry this term's fencing token. */
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The Lease name: `kube-scheduler`, `kube-controller-manager`. */
  readonly name: string;
  readonly namespace?: string;
  /** The holder identity (`scheduler-0`). */
  readonly identity: string;
  readonly leaseDurationMs: number;
  /** How often `renewTime` is written. Default leaseDuration / 2, at least 1 s. */
  readonly renewEveryMs?: number;
}

/** The Lease spec after `identity` (re)acquires or renews `current`. Pure. */
export function nextLeaseSpec(
  current: Lease | undefined,
  identity: string,
  leaseDurationMs: number,
  nowWallMs: number,
): NonNullable<Lease['spec']> {
  const prev = current?.spec;
  const now = microTime(nowWallMs);
  const same = prev?.holderIdentity === identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds: Math.max(1, Math.ceil(leaseDurationMs / 1000)),
    acquireTime: same && prev?.acquireTime ? prev.acquireTime : now,
    renewTime: now,
    leaseTransitions: (prev?.leaseTransitions ?? 0) + (prev?.holderIdentity && !same ? 1 : 0),
  };
}

/** Writes the Lease now and then every `renewEveryMs` until `signal` aborts. Never throws. */
export async function mirrorLease(cfg: LeaseMirrorConfig, signal: AbortSignal): Promise<void> {
  const namespace = cfg.namespace ?? 'kube-system';
  const every = cfg.renewEveryMs ?? Math.max(1000, Math.floor(cfg.leaseDurationMs / 2));
  while (!signal.aborted) {
    try {
      await writeOnce(cfg, namespace);
    } catch (err) {
      if (!signal.aborted) cfg.logger.warn({ err, lease: cfg.name }, 'could not mirror the lease object');
    }
    try {
      await cfg.clock.sleep(every, signal);
    } catch {
      return;
    }
  }
}

async function writeOnce(cfg: LeaseMirrorConfig, namespace: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    let current: Lease | undefined;
    try {
      current = await cfg.client.get<Lease>(resources.leases, cfg.name, { namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const spec = nextLeaseSpec(current, cfg.identity, cfg.leaseDurationMs, cfg.clock.wallNow());
    try {
      if (current) {
        await cfg.client.update<Lease>(resources.leases, { ...current, spec }, { namespace });
      } else {
        await cfg.client.create<Lease>(
          resources.leases,
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: cfg.name, namespace },
            spec,
          },
          { namespace },
        );
      }
      return;
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err)) throw err;
    }
  }
}
