/**
 * Runs contender processes (fixtures/contender.ts) and checks what they printed: the "no two leaders"
 * oracle is {@link checkLeadership}.
 */
import assert from 'node:assert/strict';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spawnTs, waitFor } from '@kubelab/testkit';

export const CONTENDER = fileURLToPath(new URL('../fixtures/contender.ts', import.meta.url));

export interface Line {
  readonly ev: 'ready' | 'started' | 'leading' | 'stopped';
  readonly id: string;
  readonly token: number;
  readonly t: number;
  readonly seed?: number;
}

type Proc = ReturnType<typeof spawnTs>;

/** A set of contender processes for one lease; every line they print lands in `lines`, in arrival order. */
export class Contenders {
  readonly lines: Line[] = [];
  readonly procs = new Map<string, Proc>();

  constructor(
    private readonly redisUrl: string,
    private readonly leaseName: string,
  ) {}

  /** Starts a contender and resolves once it has joined (printed `ready`). */
  async spawn(id: string): Promise<Proc> {
    const proc = spawnTs(CONTENDER, [], {
      ...process.env,
      REDIS_URL: this.redisUrl,
      LEASE_NAME: this.leaseName,
      CONTENDER_ID: id,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    });
    this.procs.set(id, proc);
    const rl = createInterface({ input: proc.child.stdout! });
    rl.on('line', (text) => {
      if (!text.startsWith('{')) return;
      const line = JSON.parse(text) as Line;
      if (line.ev === 'ready') console.log(`contender ${id} pid=${proc.child.pid} seed=${line.seed}`);
      this.lines.push(line);
    });
    await waitFor(() => this.lines.some((l) => l.ev === 'ready' && l.id === id), {
      timeoutMs: 30_000,
      what: `contender ${id} ready`,
    });
    return proc;
  }

  /** Sends a signal to a contender; for SIGKILL also waits for the exit. */
  async signal(id: string, signal: NodeJS.Signals): Promise<void> {
    const proc = this.procs.get(id);
    assert.ok(proc, `no contender ${id}`);
    proc.child.kill(signal);
    if (signal === 'SIGKILL') await proc.exited;
  }

  /** The `leading` lines with `t` > `afterT`, optionally only from ids other than `not`. */
  leadingSince(afterT: number, not?: string): Line[] {
    return this.lines.filter((l) => l.ev === 'leading' && l.t > afterT && l.id !== not);
  }

  /**
   * Waits for a `leading` line with `t` > `afterT`, from an id other than `not` and with a token above
   * `aboveToken` if given; returns the first.
   */
  async waitForLeader(
    afterT: number,
    opts: { not?: string; aboveToken?: number; timeoutMs?: number } = {},
  ): Promise<Line> {
    const above = opts.aboveToken ?? 0;
    return waitFor(() => this.leadingSince(afterT, opts.not).find((l) => l.token > above), {
      timeoutMs: opts.timeoutMs ?? 20_000,
      what: `a leader after t=${afterT}${opts.not ? ` other than ${opts.not}` : ''} with a token > ${above}`,
    });
  }
}

export interface Block {
  readonly id: string;
  readonly firstT: number;
  lastT: number;
  firstToken: number;
  lastToken: number;
  lines: number;
}

/**
 * The no-two-leaders oracle. Sorted by `t`, the `leading` lines must form contiguous blocks, one holder
 * each: a block's tokens never go down, and each block starts strictly after the previous block's last line
 * with a strictly greater token. Two processes leading at once would interleave, which shows up as a token
 * going down. Returns the blocks (the holder sequence).
 */
export function checkLeadership(lines: readonly Line[]): Block[] {
  const leading = lines.filter((l) => l.ev === 'leading').sort((a, b) => a.t - b.t);
  const blocks: Block[] = [];
  for (const l of leading) {
    const last = blocks.at(-1);
    if (last !== undefined && last.id === l.id && l.token >= last.lastToken) {
      last.lastT = l.t;
      last.lastToken = l.token;
      last.lines++;
      continue;
    }
    if (last !== undefined) {
      const where = `${last.id}@${last.lastToken} until ${last.lastT}, then ${l.id}@${l.token} at ${l.t}`;
      assert.ok(l.token > last.lastToken, `tokens must increase across holders: ${where}`);
      assert.ok(l.t > last.lastT, `holders must not overlap: ${where}`);
    }
    blocks.push({ id: l.id, firstT: l.t, lastT: l.t, firstToken: l.token, lastToken: l.token, lines: 1 });
  }
  return blocks;
}

/** One line per block, for failure messages and diagnostics. */
export function describeBlocks(blocks: readonly Block[]): string {
  return blocks
    .map((b) => `${b.id}@${b.firstToken}..${b.lastToken} [${b.firstT}..${b.lastT}] ×${b.lines}`)
    .join('\n');
}
