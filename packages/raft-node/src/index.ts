/**
 * raft-node: kubelab's Raft library. The pure consensus core (RawNode: tick/step/propose → Ready →
 * advance), its data types, and an in-memory storage. See core/raw-node.ts for the driver contract.
 *
 * @example
 * const storage = new MemoryStorage();
 * RawNode.bootstrap(storage, [1, 2, 3]);
 * const node = new RawNode({ id: 1, storage, rng: seededRng(1) });
 * node.tick();
 * if (node.hasReady()) {
 *   const rd = node.ready();
 *   storage.saveSync(rd);          // persist (hardState, entries, snapshot)
 *   send(rd.messages);             // then send
 *   apply(rd.committedEntries);    // then apply
 *   node.advance(rd);
 * }
 */
export {
  RawNode,
  bootstrapSnapshot,
  type BootstrapStorage,
  type RaftStatus,
} from './core/raw-node.js';
export type { RaftConfig, RaftLogger } from './core/config.js';
export { silentRaftLogger } from './core/config.js';
export { AssertionError } from './core/assert.js';
export { ErrInvalidConfChange, ErrInvalidConfig, ErrStepLocalMsg } from './core/errors.js';
export { entrySize } from './core/util.js';
export { describeMessage } from './core/messages.js';
export { encodeConfChange, decodeConfChange } from './codec.js';
export { MemoryStorage } from './storage/memory-storage.js';
export * from './core/types.js';
// The driver (I/O half): event loop, transport interface, metrics; and the message codec for transports.
export { NodeDriver, type DriverStatus, type RaftEvent } from './driver/node-driver.js';
export {
  DRIVER_DEFAULTS,
  type NodeDriverConfig,
  type RaftTuning,
  type StateMachine,
} from './driver/config.js';
export type { Transport, TransportReports } from './driver/transport.js';
export type { DriverProbe, ProbePoint } from './driver/probe.js';
export type { Proposal } from './driver/proposals.js';
export type { EventStream } from './driver/events.js';
export {
  DriverError,
  ErrBusy,
  ErrDriverStopped,
  ErrNotLeader,
  ErrProposalOverwritten,
  ErrProposalUnknown,
  ErrReadTimeout,
} from './driver/errors.js';
export { MemoryNetwork } from './driver/memory-transport.js';
export { createRaftMetrics, noopRaftMetrics, type RaftMetrics, type RaftMetricsOptions } from './metrics.js';
export { CodecError, decodeMessage, encodeMessage } from './codec.js';
// Durable storage: segmented WAL + atomic snapshot files.
export {
  FileStorage,
  type FileStorageConfig,
  SnapshotCorruptionError,
  StorageClosedError,
  type StorageLogger,
  WalCorruptionError,
} from './storage/file-storage.js';
