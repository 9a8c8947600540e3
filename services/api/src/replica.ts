/**
 * One api replica, wired: durable raft storage (bootstrapped with the peer list on first start), the raft
 * driver over the NATS transport, the replicated object store, the request pipeline, proposal forwarding,
 * the NATS front for kubelab's services, and the built-in namespaces. `main.ts` reads the environment and
 * adds the HTTP front.
 */
import { join } from 'node:path';
import { type Bus, BusError, createNatsRaftTransport, nodeRpcClient, raftEndpoints } from '@kubelab/bus';
import type { Clock, Rng } from '@kubelab/clock';
import { ErrNotLeader, FileStorage, NodeDriver, StateType, bootstrapSnapshot } from '@kubelab/raft-node';
import type { Logger } from '@kubelab/telemetry';
import type { Admission } from './core/admission.js';
import { ApiCore } from './core/api-core.js';
import type { RequestUser } from './core/handler.js';
import { PodStreams } from './core/pod-streams.js';
import { type NatsFront, startNatsFront } from './nats/nats-front.js';
import { RaftCommandLog } from './raft/raft-log.js';
import { ReplicatedStore } from './store/replicated-store.js';
import type { ServiceAllocationConfig } from './store/service-allocation.js';

/** The raft group of the api replicas. */
export const RAFT_GROUP = 'api';

/** Namespaces that exist from the start, as in Kubernetes. */
export const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

export interface ReplicaOptions {
  /** This replica's raft node id (api-N → N+1). */
  readonly nodeId: number;
  /** Every replica's node id, the same list on every replica. */
  readonly peers: readonly number[];
  readonly dataDir: string;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  readonly admission: Admission;
  readonly newUid: () => string;
  readonly authenticate: (token: string | undefined) => RequestUser | undefined;
  /** Service cluster IP range and node-port range; every replica must use the same. */
  readonly serviceAllocation?: ServiceAllocationConfig;
  /** Raft tick length (ms); the driver's default when absent. */
  readonly tickMs?: number;
  /**
   * Snapshot the store every this many applied entries (etcd's `--snapshot-count`). Default
   * {@link DEFAULT_SNAPSHOT_ENTRIES}.
   */
  readonly snapshotEntries?: number;
}

/**
 * A snapshot serializes the whole store (tens of MB with 10,000s of pods) on every replica at once, so it is
 * taken rarely (the driver's default is 10,000; etcd's `--snapshot-count` is 100,000); the price is a longer
 * log replay on restart: 21,000 entries (35 MB of WAL) took 9 s on a loaded 2-core machine.
 */
export const DEFAULT_SNAPSHOT_ENTRIES = 25_000;

export interface Replica {
  readonly core: ApiCore;
  readonly store: ReplicatedStore;
  readonly driver: NodeDriver;
  /** pods/log and pods/exec through node RPC (shared by the HTTP and NATS fronts). */
  readonly podStreams: PodStreams;
  /** True once raft knows a leader and the built-in namespaces exist. */
  ready(): boolean;
  details(): Record<string, unknown>;
  isLeader(): boolean;
  stop(): Promise<void>;
}

/** Replica `api-N` is raft node N+1 (raft ids are positive). */
export function nodeIdOf(replicaId: string): number {
  const m = /-(\d+)$/.exec(replicaId);
  if (!m) throw new Error(`api replica ids end in -<n> (api-0, api-1, …), got "${replicaId}"`);
  return Number(m[1]) + 1;
}

/**
 * Each replica snapshots at its own interval (base, base + 10 %, base + 20 %, …): a snapshot stalls its
 * replica for a moment (seconds with tens of thousands of pods), and while the replicas take theirs at
 * different times the other two still make a quorum.
 */
export function staggeredSnapshotEntries(base: number, nodeId: number): number {
  return base === 0 ? 0 : base + (nodeId - 1) * Math.floor(base / 10);
}

export async function startReplica(o: ReplicaOptions): Promise<Replica> {
  const log = o.logger.child({ component: 'replica' });
  const storage = await FileStorage.open({
    dir: join(o.dataDir, 'raft'),
    log: (level, msg, fields) => log[level === 'warn' ? 'warn' : 'info']({ ...fields }, msg),
  });
  if (storage.lastIndex() === 0 && storage.snapshot().metadata.index === 0) {
    log.info({ peers: o.peers }, 'first start: bootstrapping the raft group');
    await storage.save(
      { snapshot: bootstrapSnapshot([...o.peers]), hardState: { term: 1, vote: 0, commit: 1 }, entries: [] },
      true,
    );
  }
  const raftLog = new RaftCommandLog(
    async (leader, data) => (await o.bus.request(raftEndpoints.propose(RAFT_GROUP, leader), data)).index,
    o.clock,
  );
  const store = new ReplicatedStore({
    log: raftLog,
    clock: o.clock,
    ...(o.serviceAllocation ? { serviceAllocation: o.serviceAllocation } : {}),
  });
  const driver = new NodeDriver({
    id: o.nodeId,
    storage,
    transport: createNatsRaftTransport(o.bus, { group: RAFT_GROUP, nodeId: o.nodeId, logger: o.logger }),
    stateMachine: raftLog.stateMachine(store),
    clock: o.clock,
    rng: o.rng,
    ...(o.tickMs === undefined ? {} : { tickMs: o.tickMs }),
    snapshotEntries: staggeredSnapshotEntries(o.snapshotEntries ?? DEFAULT_SNAPSHOT_ENTRIES, o.nodeId),
  });
  raftLog.bind(driver);
  const forwarder = await o.bus.serve(raftEndpoints.propose(RAFT_GROUP, o.nodeId), async (data) => {
    try {
      return { index: await raftLog.proposeAsLeader(data) };
    } catch (err) {
      if (err instanceof ErrNotLeader) throw new BusError('NotLeader', err.message, { leader: err.leader });
      throw new BusError('Unavailable', err instanceof Error ? err.message : String(err));
    }
  });
  await driver.start();
  const core = new ApiCore({ store, admission: o.admission, clock: o.clock, rng: o.rng, newUid: o.newUid });
  const nodes = nodeRpcClient(o.bus, { clock: o.clock, logger: o.logger });
  const podStreams = new PodStreams({ handler: core, nodes, clock: o.clock });
  const front: NatsFront = await startNatsFront({
    bus: o.bus,
    handler: core,
    podStreams,
    clock: o.clock,
    logger: o.logger,
    authenticate: o.authenticate,
  });
  let seeded = false;
  void seedNamespaces(core, o.clock, log).then(() => {
    seeded = true;
  });
  return {
    core,
    store,
    driver,
    podStreams,
    ready: () => seeded && driver.status().lead !== 0,
    isLeader: () => driver.status().raftState === StateType.Leader,
    details: () => {
      const s = driver.status();
      return {
        raftId: o.nodeId,
        term: s.term,
        lead: s.lead,
        applied: s.applied,
        commit: s.commit,
        revision: store.store.revision,
      };
    },
    stop: async () => {
      await front.stop();
      await forwarder.stop();
      await driver.stop();
      await storage.close();
    },
  };
}

const SYSTEM: RequestUser = { name: 'system:apiserver', groups: ['system:masters'] };

/** Creates the built-in namespaces (AlreadyExists is fine: another replica or an earlier run did). */
async function seedNamespaces(core: ApiCore, clock: Clock, log: Logger): Promise<void> {
  for (const name of BUILTIN_NAMESPACES) {
    for (;;) {
      const r = await core.handle(
        { verb: 'create', group: '', version: 'v1', resource: 'namespaces', body: { metadata: { name } } },
        SYSTEM,
      );
      if (r.code === 201 || r.code === 409) break;
      log.debug({ name, code: r.code }, 'namespace not created yet; retrying');
      await clock.sleep(200);
    }
  }
  log.info('built-in namespaces present');
}
