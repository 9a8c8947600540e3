/**
 * Latency probes: optional observation points on an entry's way through one driver, for benchmarks that
 * break a write's latency into stages (`bench/raft` prints p50/p99 per stage). The driver only names the
 * point and the log indexes concerned; the probe reads its own clock, so the driver stays clock-free and a
 * benchmark can use one monotonic clock across processes.
 *
 * Points, in the order an entry meets them on a leader (L) and a follower (F):
 * - `propose` (L): the entry was appended to the leader's log by `propose`;
 * - `ready` (L, F): a Ready carrying the entry to persist started;
 * - `sendApp` (L): a MsgApp carrying the entry was handed to the transport;
 * - `recvApp` (F): a MsgApp carrying the entry arrived;
 * - `persisted` (L, F): the Ready's write (and fsync) completed;
 * - `sendAppResp` (F): a MsgAppResp acknowledging up to the index was handed to the transport;
 * - `recvAppResp` (L): a MsgAppResp acknowledging up to the index arrived;
 * - `commit` (L, F): a Ready carrying the entry as committed started;
 * - `applied` (L, F): the state machine applied it (on the leader, its proposal settles right after).
 */
export type ProbePoint =
  | 'propose'
  | 'ready'
  | 'sendApp'
  | 'recvApp'
  | 'persisted'
  | 'sendAppResp'
  | 'recvAppResp'
  | 'commit'
  | 'applied';

/** Receives the driver's observation points; `lo..hi` is the inclusive range of log indexes concerned. */
export interface DriverProbe {
  mark(point: ProbePoint, lo: number, hi: number): void;
}
