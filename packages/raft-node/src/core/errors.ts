/**
 * Sentinel errors added by the core on top of those in types.ts (etcd raft's ErrStepLocalMsg,
 * ErrStepPeerNotFound and Config.validate errors).
 */

/** A local-only message type (Hup, Beat, CheckQuorum, Unreachable, SnapStatus) was passed to `RawNode.step`. */
export class ErrStepLocalMsg extends Error {
  override readonly name = 'ErrStepLocalMsg';
  constructor() {
    super('raft: cannot step raft local message');
  }
}

/** A {@link RaftConfig} that cannot work (a zero id, heartbeat ≥ election timeout, …). */
export class ErrInvalidConfig extends Error {
  override readonly name = 'ErrInvalidConfig';
  constructor(reason: string) {
    super(`raft: invalid config: ${reason}`);
  }
}

/** A membership change that the current configuration cannot accept (etcd confchange errors). */
export class ErrInvalidConfChange extends Error {
  override readonly name = 'ErrInvalidConfChange';
  constructor(reason: string) {
    super(`raft: invalid conf change: ${reason}`);
  }
}
