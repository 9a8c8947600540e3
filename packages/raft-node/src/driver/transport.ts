/**
 * The network, as the driver sees it (STYLE.md principle 12; etcd raft leaves the network to the user).
 * raft-node defines the interface only: `@kubelab/bus` implements it over NATS (`createNatsRaftTransport`),
 * and `memory-transport.ts` implements it in memory for tests and the simulator.
 *
 * Delivery is best effort, like Raft assumes (§3.3: messages may be lost, duplicated or reordered); the
 * protocol retries. So `send` never blocks and never throws for a peer that is down: it reports the peer
 * unreachable instead, and the leader falls back to probing that peer.
 */
import type { Message } from '../core/types.js';

/** What a transport tells the driver besides incoming messages. */
export interface TransportReports {
  /** Sending to `peerId` failed (not connected, payload refused): the leader probes it instead of pipelining. */
  unreachable(peerId: number): void;
  /**
   * A `Snap` message to `peerId` was handed to the network in full (`ok`) or could not be (`!ok`). Over a
   * one-way transport "handed over" is all a sender can know; a lost snapshot is re-sent when the follower's
   * next append is rejected.
   */
  snapshotStatus(peerId: number, ok: boolean): void;
}

/**
 * Moves raft messages between the members of one raft group.
 *
 * @example
 * const transport = createNatsRaftTransport(bus, { group: 'kv', nodeId: 1 });
 * await transport.start((m) => node.step(m), { unreachable: (id) => node.reportUnreachable(id), snapshotStatus: () => {} });
 * transport.send(rd.messages);   // after persisting the Ready (principle 3)
 * await transport.stop();
 */
export interface Transport {
  /**
   * Sends messages, each to its `to`. Fire and forget: returns at once, never throws for an unreachable
   * peer (see {@link TransportReports}). Messages to the same peer keep their order where the network does.
   */
  send(msgs: readonly Message[]): void;
  /**
   * Starts receiving: `onMessage` is called for every message addressed to this node. Resolves once the
   * transport can receive (a subscription is registered with the server), so peers may send right after.
   */
  start(onMessage: (m: Message) => void, reports?: TransportReports): Promise<void>;
  /** Stops receiving and sending; messages still in flight may be dropped. Idempotent. */
  stop(): Promise<void>;
}
