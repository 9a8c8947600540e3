/**
 * A client of the example KV: finds the leader (following `not_leader` hints, rotating through the nodes
 * when none is known or a node does not answer) and retries writes with the same session seq, so a retry
 * after an indeterminate failure applies at most once. One client = one session: do not run two writes
 * of the same client concurrently (use one client per concurrent worker).
 */
import { type Bus, BusNoRespondersError, BusTimeoutError } from '@kubelab/bus';
import type { Clock } from '@kubelab/clock';
import { type KvRequest, type KvResponse, kvEndpoint } from './protocol.js';

export interface KvClientOptions {
  readonly group: string;
  readonly nodeIds: readonly number[];
  /** This session's id (unique among clients, u32). */
  readonly clientId: number;
  readonly clock: Clock;
  /** Give up on one operation after this long. Default 10 000. */
  readonly budgetMs?: number;
  /** Per-attempt request timeout. Default 2 000. */
  readonly attemptTimeoutMs?: number;
  /** Pause before retrying when no leader is known. Default 10. */
  readonly backoffMs?: number;
}

/** The operation did not succeed within the budget; `last` is the last answer or error. */
export class KvUnavailableError extends Error {
  override readonly name = 'KvUnavailableError';
}

export class KvClient {
  private seq = 0;
  /** Index into nodeIds of the node believed to lead. */
  private target = 0;

  constructor(
    private readonly bus: Bus,
    private readonly opts: KvClientOptions,
  ) {}

  /** The node this client currently sends writes to. */
  get leaderGuess(): number {
    return this.opts.nodeIds[this.target]!;
  }

  put(key: string, value: string): Promise<KvResponse> {
    return this.write({ op: 'put', key, value });
  }

  cas(key: string, expected: string | undefined, value: string): Promise<KvResponse> {
    return this.write({ op: 'cas', key, value, expected });
  }

  /** A linearizable read (served by whichever node answers first in the rotation). */
  get(key: string): Promise<KvResponse> {
    return this.call({ op: 'get', key });
  }

  private write(req: KvRequest): Promise<KvResponse> {
    return this.call({ ...req, clientId: this.opts.clientId, seq: ++this.seq });
  }

  /** Sends `req` until a definite answer (ok, cas_failed, not_found) or the budget runs out. */
  private async call(req: KvRequest): Promise<KvResponse> {
    const { clock, nodeIds } = this.opts;
    const deadline = clock.now() + (this.opts.budgetMs ?? 10_000);
    let last: unknown;
    while (clock.now() < deadline) {
      const node = nodeIds[this.target]!;
      let res: KvResponse;
      try {
        res = await this.bus.request(kvEndpoint(this.opts.group, node), req, {
          timeoutMs: this.opts.attemptTimeoutMs ?? 2_000,
        });
      } catch (err) {
        if (!(err instanceof BusNoRespondersError || err instanceof BusTimeoutError)) throw err;
        last = err;
        this.rotate();
        await clock.sleep(this.opts.backoffMs ?? 10);
        continue;
      }
      last = res;
      if (res.status === 'ok' || res.status === 'cas_failed' || res.status === 'not_found') return res;
      const hint = res.status === 'not_leader' ? (res.leader ?? 0) : 0;
      if (hint !== 0 && hint !== node && nodeIds.includes(hint)) {
        this.target = nodeIds.indexOf(hint);
        continue;
      }
      if (res.status === 'not_leader') this.rotate();
      await clock.sleep(this.opts.backoffMs ?? 10);
    }
    throw new KvUnavailableError(`kv ${req.op} ${req.key}: no success within budget`, { cause: last });
  }

  private rotate(): void {
    this.target = (this.target + 1) % this.opts.nodeIds.length;
  }
}
